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
        var compiled = PolicyLoading.LoadCompiled(directory, line.Get("node"), error);
        if (compiled is null)
            return 1;
        output.Write(ProgramDumper.Dump(compiled));
        return 0;
    }
}
