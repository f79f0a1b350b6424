using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>GlobalNetworkPolicy and NetworkPolicy spec rules (Calico CEL on the CRDs and libcalico-go's validator).</summary>
internal static class PolicySpecValidator
{
    private static readonly string[] PolicyTypes = { "Ingress", "Egress" };
    private const string AssumeNeededOnEveryNode = "AssumeNeededOnEveryNode";

    // Names Calico generates from Kubernetes or OpenStack objects carry their own fixed prefixes.
    private static readonly string[] KubernetesPrefixes = { "knp.default.", "kcnp.kube-admin.", "kcnp.kube-baseline.", "ossg." };

    public static void Validate(ValidationContext context, PolicyResource policy)
    {
        CommonChecks.Metadata(context, policy);
        CheckTierField(context, policy);
        CheckNamePrefix(context, policy);
        CommonChecks.Order(context, policy.Order, ValidationContext.SpecField(policy, "order"));
        CheckTypes(context, policy);
        if (policy.IsGlobal)
            CheckGlobalOnlyFlags(context, policy);
        CheckSelectors(context, policy);
        CheckRuleCounts(context, policy);
        CheckPerformanceHints(context, policy);

        var scope = policy.IsGlobal ? RuleScope.GlobalNetworkPolicy : RuleScope.NetworkPolicy;
        foreach (var rule in policy.Ingress)
            RuleValidator.Validate(context, rule, RuleDirection.Ingress, scope);
        foreach (var rule in policy.Egress)
            RuleValidator.Validate(context, rule, RuleDirection.Egress, scope);
    }

    private static void CheckTierField(ValidationContext context, PolicyResource policy)
    {
        if (!string.IsNullOrEmpty(policy.Tier) && !NameRules.IsSubdomain(policy.Tier))
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, ValidationContext.SpecField(policy, "tier"), NameRules.SubdomainMessage);
    }

    private static void CheckNamePrefix(ValidationContext context, PolicyResource policy)
    {
        // Until v3.32 Calico rejected "<prefix>.<name>" unless the prefix was the tier; the name is now
        // free-form, but a prefix naming another tier reads as a misfiled policy.
        var name = policy.Name;
        var dot = name.IndexOf('.');
        if (dot <= 0 || KubernetesPrefixes.Any(p => name.StartsWith(p, StringComparison.Ordinal)))
            return;
        var prefix = name.Substring(0, dot);
        if (!string.Equals(prefix, policy.EffectiveTier, StringComparison.Ordinal))
        {
            context.Report(DiagnosticDescriptors.PolicyNameTierPrefixMismatch, ValidationContext.Name(policy),
                $"policy name '{name}' starts with '{prefix}.' but the policy is in tier '{policy.EffectiveTier}' " +
                $"(Calico before v3.32 rejects this: Incorrectly formatted policy name {name})");
        }
    }

    private static void CheckTypes(ValidationContext context, PolicyResource policy)
    {
        if (policy.Types is null)
            return;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var type in policy.Types)
        {
            var value = type.Value ?? string.Empty;
            if (!PolicyTypes.Contains(value, StringComparer.Ordinal))
            {
                context.Report(DiagnosticDescriptors.PolicyTypeInvalid, type.Location, Messages.Unsupported(value, PolicyTypes));
                continue;
            }
            if (!seen.Add(value))
                context.Report(DiagnosticDescriptors.PolicyTypeRepeated, type.Location, $"'{value}' type specified more than once");
        }
    }

    /// <summary>preDNAT, doNotTrack and applyOnForward exist only on GlobalNetworkPolicy.</summary>
    private static void CheckGlobalOnlyFlags(ValidationContext context, PolicyResource policy)
    {
        if (policy.PreDnat && policy.DoNotTrack)
        {
            context.Report(DiagnosticDescriptors.PolicyPreDnatWithDoNotTrack, ValidationContext.SpecField(policy, "preDNAT"),
                "preDNAT and doNotTrack cannot both be true");
        }

        if (policy.PreDnat && policy.Egress.Count > 0)
        {
            context.Report(DiagnosticDescriptors.PolicyPreDnatEgressRules, ValidationContext.SpecField(policy, "egress"),
                "preDNAT policy cannot have any egress rules");
        }

        if (policy.PreDnat && policy.Types is not null)
        {
            foreach (var type in policy.Types.Where(t => string.Equals(t.Value, "Egress", StringComparison.Ordinal)))
                context.Report(DiagnosticDescriptors.PolicyPreDnatEgressType, type.Location, "preDNAT policy cannot have 'Egress' type");
        }

        if ((policy.PreDnat || policy.DoNotTrack) && !policy.ApplyOnForward)
        {
            var at = policy.Has("applyOnForward") ? policy.LocationOf("applyOnForward")
                : policy.PreDnat ? ValidationContext.SpecField(policy, "preDNAT")
                : ValidationContext.SpecField(policy, "doNotTrack");
            context.Report(DiagnosticDescriptors.PolicyApplyOnForwardRequired, at,
                "applyOnForward must be true if either preDNAT or doNotTrack is true");
        }
    }

    private static void CheckSelectors(ValidationContext context, PolicyResource policy)
    {
        var selectorAt = ValidationContext.SpecField(policy, "selector");
        SelectorChecks.Check(context, policy.Selector, selectorAt);
        SelectorChecks.CheckNoGlobal(context, policy.Selector, selectorAt);

        var serviceAccountAt = ValidationContext.SpecField(policy, "serviceAccountSelector");
        SelectorChecks.Check(context, policy.ServiceAccountSelector, serviceAccountAt);
        SelectorChecks.CheckNoGlobal(context, policy.ServiceAccountSelector, serviceAccountAt);

        var namespaceAt = ValidationContext.SpecField(policy, "namespaceSelector");
        SelectorChecks.Check(context, policy.NamespaceSelector, namespaceAt);
        SelectorChecks.CheckNoGlobal(context, policy.NamespaceSelector, namespaceAt);
    }

    private static void CheckRuleCounts(ValidationContext context, PolicyResource policy)
    {
        // Only the GlobalNetworkPolicy CRD carries MaxItems on its rule lists.
        if (!policy.IsGlobal)
            return;
        if (policy.Ingress.Count > Limits.MaxRulesPerDirection)
        {
            context.Report(DiagnosticDescriptors.PolicyTooManyRules, ValidationContext.SpecField(policy, "ingress"),
                Messages.TooMany(policy.Ingress.Count, Limits.MaxRulesPerDirection));
        }
        if (policy.Egress.Count > Limits.MaxRulesPerDirection)
        {
            context.Report(DiagnosticDescriptors.PolicyTooManyRules, ValidationContext.SpecField(policy, "egress"),
                Messages.TooMany(policy.Egress.Count, Limits.MaxRulesPerDirection));
        }
    }

    private static void CheckPerformanceHints(ValidationContext context, PolicyResource policy)
    {
        foreach (var hint in policy.PerformanceHints)
        {
            if (!string.Equals(hint.Value, AssumeNeededOnEveryNode, StringComparison.Ordinal))
                context.Report(DiagnosticDescriptors.PolicyPerformanceHintInvalid, hint.Location, Messages.Unsupported(hint.Value ?? string.Empty, AssumeNeededOnEveryNode));
        }
    }
}
