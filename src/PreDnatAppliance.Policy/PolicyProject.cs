using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Validation;
using PreDnatAppliance.Policy.Yaml;

namespace PreDnatAppliance.Policy;

/// <summary>The one entry point shared by the CLI, the generator and the tests: load, validate, compile.</summary>
public static class PolicyProject
{
    /// <summary>Loads and validates a policy directory; diagnostics are on the returned set.</summary>
    public static PolicySet Load(string directory)
    {
        var set = PolicyLoader.LoadDirectory(directory);
        PolicyValidator.Validate(set);
        return set;
    }

    /// <summary>Loads and validates YAML given as (display path, text) pairs, as the generator receives AdditionalFiles.</summary>
    public static PolicySet LoadTexts(IEnumerable<(string Path, string Text)> files)
    {
        var set = new PolicySet();
        foreach (var (path, text) in files.OrderBy(f => f.Path, StringComparer.Ordinal))
            PolicyLoader.LoadText(set, path, text);
        PolicyValidator.Validate(set);
        return set;
    }

    public static CompiledPolicySet Compile(PolicySet set, string? node = null) =>
        PolicyCompiler.Compile(set, new CompileOptions { Node = node });
}
