using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>Checks that need the whole set: duplicates, and references from policies and endpoints to tiers and profiles.</summary>
internal static class CrossResourceValidator
{
    /// <summary>Allows all traffic; kube-controllers puts it on auto host endpoints, and Calico always defines it.</summary>
    public const string DefaultAllowProfile = "projectcalico-default-allow";

    private static readonly string[] BuiltInTiers = { Tiers.DefaultTierName, Tiers.KubeAdminTierName, Tiers.KubeBaselineTierName };

    public static void Validate(ValidationContext context)
    {
        CheckDuplicates(context);
        CheckTierReferences(context);
        CheckProfileReferences(context);
        CheckFelixConfigurationNames(context);
    }

    private static void CheckDuplicates(ValidationContext context)
    {
        var first = new Dictionary<string, Resource>(StringComparer.Ordinal);
        foreach (var resource in context.Set.AllResources.OrderBy(r => r.Location.File, StringComparer.Ordinal).ThenBy(r => r.Location.Line).ThenBy(r => r.Location.Column))
        {
            var key = Identity(resource);
            if (first.TryGetValue(key, out var original))
            {
                context.Report(DiagnosticDescriptors.ResourceDuplicate, ValidationContext.Name(resource),
                    $"resource already exists: {key} (first defined at {ValidationContext.Name(original)})");
            }
            else
            {
                first.Add(key, resource);
            }
        }
    }

    /// <summary>calicoctl's ResourceKey form, Kind(name) or Kind(namespace/name); namespaced kinds default to "default".</summary>
    private static string Identity(Resource resource)
    {
        if (!ResourceKinds.IsNamespaced(resource.Kind))
            return $"{resource.Kind}({resource.Name})";
        var ns = string.IsNullOrEmpty(resource.Namespace) ? "default" : resource.Namespace;
        return $"{resource.Kind}({ns}/{resource.Name})";
    }

    private static void CheckTierReferences(ValidationContext context)
    {
        var tiers = new HashSet<string>(BuiltInTiers, StringComparer.Ordinal);
        tiers.UnionWith(context.Set.Tiers.Select(t => t.Name));
        foreach (var policy in context.Set.Policies)
        {
            // An invalid tier name was reported by the per-policy checks.
            if (tiers.Contains(policy.EffectiveTier) || !NameRules.IsSubdomain(policy.EffectiveTier))
                continue;
            context.Report(DiagnosticDescriptors.PolicyTierUnknown, ValidationContext.SpecField(policy, "tier"),
                $"resource does not exist: Tier({policy.EffectiveTier}) (define a Tier named '{policy.EffectiveTier}'; only default, kube-admin and kube-baseline exist without one)");
        }
    }

    private static void CheckProfileReferences(ValidationContext context)
    {
        var profiles = new HashSet<string>(StringComparer.Ordinal) { DefaultAllowProfile };
        profiles.UnionWith(context.Set.Profiles.Select(p => p.Name));
        var references = context.Set.HostEndpoints.SelectMany(h => h.Profiles)
            .Concat(context.Set.WorkloadEndpoints.SelectMany(w => w.Profiles));
        foreach (var reference in references)
        {
            var name = reference.Value ?? string.Empty;
            if (profiles.Contains(name) || !NameRules.IsSubdomain(name))
                continue;
            var why = name.StartsWith("kns.", StringComparison.Ordinal) || name.StartsWith("ksa.", StringComparison.Ordinal)
                ? "Kubernetes generates kns.* and ksa.* profiles in a cluster, but the appliance only knows profiles defined in its policy set"
                : $"only {DefaultAllowProfile} is built in";
            context.Report(DiagnosticDescriptors.EndpointProfileUnknown, reference.Location,
                $"resource does not exist: Profile({name}) ({why}; define a Profile named '{name}')");
        }
    }

    private static void CheckFelixConfigurationNames(ValidationContext context)
    {
        foreach (var configuration in context.Set.FelixConfigurations)
        {
            var name = configuration.Name;
            if (name == "default" || (name.StartsWith("node.", StringComparison.Ordinal) && name.Length > "node.".Length))
                continue;
            context.Report(DiagnosticDescriptors.FelixConfigurationIgnored, ValidationContext.Name(configuration),
                $"FelixConfiguration '{name}' is ignored: Felix reads only 'default' and 'node.<nodename>'");
        }
    }
}
