using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Cli;

/// <summary>
/// Load, validate and compile a policy directory the same way for every command, and print its diagnostics
/// the way <c>check</c> does: sorted, one <c>file(line,col): severity ID: message</c> per line.
/// </summary>
public static class PolicyLoading
{
    /// <summary>The compiled set, or null (after printing every diagnostic to <paramref name="error"/>) when it has errors.</summary>
    public static CompiledPolicySet? LoadCompiled(string directory, string? node, TextWriter error, Func<Policy.Resources.PolicySet, string?>? defaultNode = null)
    {
        var (compiled, diagnostics) = Compile(directory, node, defaultNode);
        if (compiled is not null)
            return compiled;
        Print(diagnostics, error);
        error.WriteLine($"{directory}: {diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error)} error(s); run 'prednat check --policy-dir {directory}'");
        return null;
    }

    /// <summary>Every diagnostic of the directory; the compiled set when there were no errors.</summary>
    public static (CompiledPolicySet? Compiled, IReadOnlyList<PolicyDiagnostic> Diagnostics) Compile(string directory, string? node, Func<Policy.Resources.PolicySet, string?>? defaultNode = null)
    {
        var set = PolicyProject.Load(directory);
        if (set.HasErrors)
            return (null, set.Diagnostics.Sorted());
        var compiled = PolicyProject.Compile(set, node ?? defaultNode?.Invoke(set));
        var bag = new DiagnosticBag();
        bag.AddRange(compiled.Diagnostics);
        return (bag.HasErrors ? null : compiled, bag.Sorted());
    }

    public static void Print(IEnumerable<PolicyDiagnostic> diagnostics, TextWriter output)
    {
        foreach (var diagnostic in diagnostics)
            output.WriteLine(diagnostic.ToString());
    }
}
