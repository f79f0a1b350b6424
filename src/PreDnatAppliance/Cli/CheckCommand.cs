using PreDnatAppliance.Policy.Diagnostics;

namespace PreDnatAppliance.Cli;

/// <summary><c>prednat check</c>: every diagnostic of a policy directory, as the build reports them.</summary>
public static class CheckCommand
{
    public static int Run(string[] args, TextWriter output)
    {
        var line = CommandLine.Parse(args, new[] { "policy-dir", "node" });
        var directory = PolicyDirectory.Resolve(line.Get("policy-dir"));
        var (compiled, diagnostics) = PolicyLoading.Compile(directory, line.Get("node"));
        PolicyLoading.Print(diagnostics, output);
        var errors = diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        var warnings = diagnostics.Count(d => d.Severity == DiagnosticSeverity.Warning);
        var summary = compiled is null ? string.Empty : $"{compiled.Programs.Count} programs, {compiled.Rules.Count} rules, ";
        output.WriteLine($"{directory}: {summary}{errors} error(s), {warnings} warning(s)");
        return errors > 0 ? 1 : 0;
    }
}
