using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Cli;

/// <summary>
/// Builds the packet pipeline's runtime the same way for every command that runs it (<c>replay</c>, <c>dataplane
/// --appliance-config</c>): the configuration file (or the embedded default), the services file (or the embedded
/// default), the policy assembly (built in, or rebuilt from --policy-dir) and the same policy directory compiled for
/// the node's endpoint metadata.
/// </summary>
public static class ApplianceLoading
{
    /// <summary>The runtime, or null after printing the policy directory's errors to <paramref name="error"/>.</summary>
    public static ApplianceRuntime? CreateRuntime(string? configPath, string? servicesPath, string? policyDirectory,
        RuntimeOptions options, TextWriter error)
    {
        var configuration = configPath is null ? ApplianceConfiguration.Default() : ApplianceConfiguration.Load(configPath);
        var services = servicesPath is null
            ? ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), "services.yaml")
            : ServiceYamlLoader.LoadFile(servicesPath);

        var policy = policyDirectory is null ? PolicyAssemblies.BuiltIn() : PolicyAssemblies.Rebuild(policyDirectory, error);
        var directory = policyDirectory ?? BuiltInPolicyDirectory(policy);
        var compiled = PolicyLoading.LoadCompiled(directory, configuration.Node.Name, error);
        if (compiled is null)
            return null;
        return ApplianceRuntime.Create(configuration, policy, compiled, services, options, configPath ?? "embedded appliance.json");
    }

    /// <summary>The failures of <see cref="CreateRuntime"/> that are the input's fault (reported as a message, exit 1).</summary>
    public static bool IsInputError(Exception e) =>
        e is ApplianceConfigurationException or ServiceLoadException or PolicyMismatchException
            or InvalidDataException or IOException or ArgumentException or InvalidOperationException;

    /// <summary>
    /// Where the built-in policy assembly was compiled from (its BuildInfo, under the repository it was built in),
    /// else the usual default (PREDNAT_POLICY_DIR, ./policies, the repository's policies/).
    /// </summary>
    internal static string BuiltInPolicyDirectory(ICompiledPolicy policy)
    {
        if (Environment.GetEnvironmentVariable("PREDNAT_POLICY_DIR") is { Length: > 0 } fromEnvironment)
            return fromEnvironment;
        if (PolicyAssemblies.RepositoryRoot() is { } root && Directory.Exists(Path.Combine(root, policy.BuildInfo.PolicyDirectory)))
            return Path.Combine(root, policy.BuildInfo.PolicyDirectory);
        return PolicyDirectory.Resolve(null);
    }
}
