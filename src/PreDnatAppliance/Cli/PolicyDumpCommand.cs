using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Cli;

/// <summary><c>prednat policy dump</c>: the per-endpoint programs with RuleIds and source locations.</summary>
public static class PolicyDumpCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, new[] { "policy-dir", "node" });
        var directory = PolicyDirectory.Resolve(line.Get("policy-dir"));
        var set = PolicyProject.Load(directory);
        var compiled = PolicyProject.Compile(set, line.Get("node"));
        var errors = compiled.Diagnostics.Where(d => d.Severity == Policy.Diagnostics.DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            foreach (var diagnostic in errors)
                error.WriteLine(diagnostic.ToString());
            error.WriteLine($"{directory}: not dumped, the policy set has {errors.Count} error(s); run 'prednat check'");
            return 1;
        }
        output.Write(ProgramDumper.Dump(compiled));
        return 0;
    }
}
