using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>Felix's sort orders (policy_sorter.go): a missing order sorts last; ties by name.</summary>
public static class PolicyOrdering
{
    /// <summary>Felix compares "name/namespace/kind" as one string, so "a" sorts after "a-b" at equal order.</summary>
    public static string TieBreakKey(PolicyResource policy) =>
        $"{policy.Name}/{policy.Namespace ?? string.Empty}/{policy.Kind}";

    public static IEnumerable<PolicyResource> Sort(IEnumerable<PolicyResource> policies) =>
        policies.OrderBy(p => p.Order ?? double.PositiveInfinity)
                .ThenBy(TieBreakKey, StringComparer.Ordinal);

    public static double? TierOrder(string name, IReadOnlyDictionary<string, Tier> tiers)
    {
        if (tiers.TryGetValue(name, out var tier))
            return tier.Order;
        return name switch
        {
            Tiers.DefaultTierName => Tiers.DefaultTierOrder,
            Tiers.KubeAdminTierName => Tiers.KubeAdminTierOrder,
            Tiers.KubeBaselineTierName => Tiers.KubeBaselineTierOrder,
            _ => null,
        };
    }

    /// <summary>A tier's end-of-tier action; Calico's built-in admin and baseline tiers pass by definition.</summary>
    public static RuleAction TierDefaultAction(string name, IReadOnlyDictionary<string, Tier> tiers)
    {
        if (tiers.TryGetValue(name, out var tier) && tier.DefaultAction is { } action)
            return action == "Pass" ? RuleAction.Pass : RuleAction.Deny;
        return name is Tiers.KubeAdminTierName or Tiers.KubeBaselineTierName ? RuleAction.Pass : RuleAction.Deny;
    }

    public static IEnumerable<string> SortTiers(IEnumerable<string> names, IReadOnlyDictionary<string, Tier> tiers) =>
        names.Distinct(StringComparer.Ordinal)
             .OrderBy(n => TierOrder(n, tiers) ?? double.PositiveInfinity)
             .ThenBy(n => n, StringComparer.Ordinal);
}
