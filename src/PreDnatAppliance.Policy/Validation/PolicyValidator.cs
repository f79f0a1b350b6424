using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>
/// Semantic validation of a loaded policy set against Calico's own rules, reported with Calico's messages
/// where Calico has one. Structural problems (syntax, unknown fields, wrong types) are the loader's job.
/// </summary>
public static class PolicyValidator
{
    /// <summary>Adds every finding to <c>set.Diagnostics</c>; reports all errors, not just the first. Never throws.</summary>
    public static void Validate(PolicySet set)
    {
        if (set is null)
            return;
        var context = new ValidationContext(set);

        foreach (var policy in set.Policies)
            Guard(context, policy, () => PolicySpecValidator.Validate(context, policy));
        foreach (var endpoint in set.HostEndpoints)
            Guard(context, endpoint, () => EndpointValidator.Validate(context, endpoint));
        foreach (var endpoint in set.WorkloadEndpoints)
            Guard(context, endpoint, () => EndpointValidator.Validate(context, endpoint));
        foreach (var profile in set.Profiles)
            Guard(context, profile, () => ProfileValidator.Validate(context, profile));
        foreach (var tier in set.Tiers)
            Guard(context, tier, () => TierValidator.Validate(context, tier));
        foreach (var networkSet in set.NetworkSets)
            Guard(context, networkSet, () => NetworkSetValidator.Validate(context, networkSet));
        foreach (var configuration in set.FelixConfigurations)
            Guard(context, configuration, () => FelixConfigurationValidator.Validate(context, configuration));

        Guard(context, null, () => CrossResourceValidator.Validate(context));
    }

    // A bug in one check must not hide the findings of the others, nor fail the build with a stack trace.
    private static void Guard(ValidationContext context, Resource? resource, Action check)
    {
        try
        {
            check();
        }
        catch (Exception exception)
        {
            var at = resource?.Location ?? SourceLocation.None;
            var what = resource is null ? "cross-resource checks" : resource.QualifiedName;
            context.Report(DiagnosticDescriptors.ValidatorInternalError, at,
                $"internal validator error while checking {what}: {exception.GetType().Name}: {exception.Message}");
        }
    }
}
