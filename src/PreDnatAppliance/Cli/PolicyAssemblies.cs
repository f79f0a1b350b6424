using System.Reflection;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Redeploy;

namespace PreDnatAppliance.Cli;

/// <summary>
/// Finds the generated policy assembly: the one built into the appliance (the repository's policies/), or one rebuilt
/// from another policy directory into a policy package (<see cref="PolicyPackageBuilder"/>) and loaded in a collectible
/// load context of its own (<see cref="LoadedPolicyPackage"/>; the classification contract stays shared).
/// </summary>
public static class PolicyAssemblies
{
    public const string AssemblyName = "PreDnatAppliance.Policies";

    /// <summary>The policy assembly the appliance was built with.</summary>
    public static ICompiledPolicy BuiltIn() => Instantiate(Assembly.Load(new AssemblyName(AssemblyName)));

    public static ICompiledPolicy Instantiate(Assembly assembly)
    {
        var attribute = assembly.GetCustomAttribute<CompiledPolicyAttribute>()
            ?? throw new InvalidOperationException($"{assembly.GetName().Name} has no [assembly: CompiledPolicy]");
        return (ICompiledPolicy)Activator.CreateInstance(attribute.Type)!;
    }

    /// <summary>The repository the appliance was built from (for rebuilding the policy assembly).</summary>
    public static string? RepositoryRoot() =>
        typeof(PolicyAssemblies).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "RepositoryRoot")?.Value is { } root && Directory.Exists(root) ? root : null;

    /// <summary>
    /// Builds the policy assembly from <paramref name="policyDirectory"/> as a policy package (a build error, e.g. a policy
    /// error at its YAML line, is reported with the build's output) and loads it in its own collectible context.
    /// </summary>
    public static ICompiledPolicy Rebuild(string policyDirectory, TextWriter log) =>
        LoadedPolicyPackage.Load(PolicyPackageBuilder.Build(policyDirectory, log: log)).Policy;
}
