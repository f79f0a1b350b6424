using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>
/// When two adjacent rules may be swapped without changing any verdict. Deliberately conservative: it only
/// answers "independent" when that follows from a field both rules constrain, so the property built on it
/// must hold; anything it cannot prove is treated as dependent.
/// </summary>
public static class RuleIndependence
{
    public enum Kind
    {
        Dependent,

        /// <summary>No packet matches both: whichever matches, it is the same rule either way.</summary>
        Disjoint,

        /// <summary>Both Allow or both Deny: the verdict is the same, though the deciding rule may be the other one.</summary>
        SameAction,
    }

    public static Kind Classify(CompiledRule a, CompiledRule b)
    {
        if (CannotBothMatch(a, b))
            return Kind.Disjoint;
        if (a.Action == b.Action && a.Action is RuleAction.Allow or RuleAction.Deny)
            return Kind.SameAction;
        return Kind.Dependent;
    }

    public static bool CannotBothMatch(CompiledRule a, CompiledRule b) =>
        NeverMatches(a) || NeverMatches(b) || Excludes(a, b) || Excludes(b, a)
        || (a.IpVersion is { } va && b.IpVersion is { } vb && va != vb)
        || SidesDisjoint(a.Source, b.Source) || SidesDisjoint(a.Destination, b.Destination);

    /// <summary>A rule that provably matches nothing: Felix drops it, or its positive set is empty.</summary>
    private static bool NeverMatches(CompiledRule rule) =>
        rule.NeverMatches
        || rule.Source.Set is { Members.Count: 0 } || rule.Destination.Set is { Members.Count: 0 }
        || (rule.Source.Set is null && rule.Source.HasPortMatch && rule.Source.Ports.Count == 0 && rule.Source.NamedPorts.All(s => s.Members.Count == 0))
        || (rule.Destination.Set is null && rule.Destination.HasPortMatch && rule.Destination.Ports.Count == 0 && rule.Destination.NamedPorts.All(s => s.Members.Count == 0));

    /// <summary>Something <paramref name="a"/> requires that <paramref name="b"/> forbids (or requires otherwise).</summary>
    private static bool Excludes(CompiledRule a, CompiledRule b)
    {
        if (a.Protocol is { } pa)
        {
            if (b.Protocol is { } pb && pa != pb)
                return true;
            if (b.NotProtocol == pa)
                return true;
        }
        // An icmp match needs an ICMP packet of the given type (and code).
        if (a.Icmp is { } ia)
        {
            if (b.Icmp is { } ib && (ia.Type != ib.Type || (ia.Code is { } ca && ib.Code is { } cb && ca != cb)))
                return true;
            if (b.NotIcmp is { } nb && nb.Type == ia.Type && (nb.Code is null || nb.Code == ia.Code))
                return true;
        }
        return false;
    }

    private static bool SidesDisjoint(AddressMatch a, AddressMatch b) =>
        NetsDisjoint(a.Nets, b.Nets) || Covered(a.Nets, b.NotNets) || Covered(b.Nets, a.NotNets)
        || PortsDisjoint(a, b) || PortsExcluded(a, b) || PortsExcluded(b, a)
        || (a.Set is { } sa && b.Set is { } sb && NetsDisjoint(sa.Members, sb.Members))
        || (a.Set is { } sa2 && b.NotSets.Any(n => Covered(sa2.Members, n.Members)))
        || (b.Set is { } sb2 && a.NotSets.Any(n => Covered(sb2.Members, n.Members)));

    /// <summary>Both lists constrain the address and no CIDR of one overlaps a CIDR of the other.</summary>
    private static bool NetsDisjoint(IReadOnlyList<Cidr> a, IReadOnlyList<Cidr> b) =>
        a.Count > 0 && b.Count > 0 && a.All(x => b.All(y => !x.Contains(y) && !y.Contains(x)));

    /// <summary>Every address <paramref name="nets"/> allows is excluded by one of <paramref name="excluded"/>.</summary>
    private static bool Covered(IReadOnlyList<Cidr> nets, IReadOnlyList<Cidr> excluded) =>
        nets.Count > 0 && excluded.Count > 0 && nets.All(x => excluded.Any(y => y.Contains(x)));

    /// <summary>Both require a port, numerically only, and the ranges do not overlap.</summary>
    private static bool PortsDisjoint(AddressMatch a, AddressMatch b) =>
        a.HasPortMatch && b.HasPortMatch && a.NamedPorts.Count == 0 && b.NamedPorts.Count == 0
        && a.Ports.All(x => b.Ports.All(y => x.Last < y.First || y.Last < x.First));

    /// <summary><paramref name="a"/> requires a numeric port that <paramref name="b"/>'s numeric notPorts all exclude.</summary>
    private static bool PortsExcluded(AddressMatch a, AddressMatch b) =>
        a.HasPortMatch && a.NamedPorts.Count == 0 && b.NotPorts.Count > 0
        && a.Ports.All(range => Enumerable.Range(range.First, range.Last - range.First + 1).All(p => b.NotPorts.Any(n => n.Contains((ushort)p))));
}
