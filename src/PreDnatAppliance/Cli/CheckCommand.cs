using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Diagnostics;

namespace PreDnatAppliance.Cli;

/// <summary><c>prednat check</c>: every diagnostic of a policy directory, as the build reports them.</summary>
public static class CheckCommand
{
    public static int Run(string[] args, TextWriter output)
    {
        var line = CommandLine.Parse(args, new[] { "policy-dir", "node" });
        var directory = PolicyDirectory.Resolve(line.Get("policy-dir"));
        var set = PolicyProject.Load(directory);
        var diagnostics = set.Diagnostics;
        if (!set.HasErrors)
        {
            // Compiling finds what only resolution can (e.g. unsupported service matches).
            var compiled = PolicyProject.Compile(set, line.Get("node"));
            diagnostics = new DiagnosticBag();
            diagnostics.AddRange(compiled.Diagnostics);
        }
        var sorted = diagnostics.Sorted();
        foreach (var diagnostic in sorted)
            output.WriteLine(diagnostic.ToString());
        var errors = sorted.Count(d => d.Severity == DiagnosticSeverity.Error);
        var warnings = sorted.Count(d => d.Severity == DiagnosticSeverity.Warning);
        output.WriteLine($"{directory}: {set.AllResources.Count()} resources, {errors} error(s), {warnings} warning(s)");
        return errors > 0 ? 1 : 0;
    }
}
