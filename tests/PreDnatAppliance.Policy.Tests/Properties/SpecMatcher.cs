using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>
/// An independent reading of a v3 rule's L3/L4 fields (calico-semantics.md §1.3, docs/semantics.md choice 9),
/// straight from the model, for rules without selectors or named ports (those need the set resolution the
/// compiler does). Used as an oracle for RuleCompiler + RuleMatcher.
/// </summary>
public static class SpecMatcher
{
    public static bool Applies(RuleModel rule) =>
        Simple(rule.Source) && Simple(rule.Destination);

    private static bool Simple(EntityModel side) =>
        side.Selector is null && side.NotSelector is null
        && side.Ports.Concat(side.NotPorts).All(p => p.All(c => char.IsDigit(c) || c == ':'));

    private static byte Protocol(string text) => text switch
    {
        "TCP" => 6,
        "UDP" => 17,
        "ICMP" => 1,
        "ICMPv6" => 58,
        "SCTP" => 132,
        "UDPLite" => 136,
        _ => byte.Parse(text, System.Globalization.CultureInfo.InvariantCulture),
    };

    private static (ushort First, ushort Last) Range(string text)
    {
        var parts = text.Split(':');
        var first = ushort.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        return (first, parts.Length == 2 ? ushort.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) : first);
    }

    public static bool Matches(RuleModel rule, PacketTuple packet)
    {
        var cidrs = rule.Source.Nets.Concat(rule.Source.NotNets).Concat(rule.Destination.Nets).Concat(rule.Destination.NotNets).Select(Cidr.Parse).ToList();
        // The rule's family: ipVersion, else ICMP (4) / ICMPv6 (6), else its CIDRs.
        int? family = rule.IpVersion
            ?? (rule.Protocol == "ICMP" ? 4 : rule.Protocol == "ICMPv6" ? 6 : (int?)null)
            ?? (cidrs.Count > 0 ? cidrs[0].Version : (int?)null);
        if (family is { } f && packet.IpVersion != f)
            return false;
        // A CIDR of the other family: Felix filters it out, and a list left empty drops the rule.
        if (cidrs.Any(c => c.Version != packet.IpVersion))
            return false;

        var protocol = packet.Protocol;
        if (rule.Protocol is { } p && Protocol(p) != protocol)
            return false;
        if (rule.NotProtocol is { } np && Protocol(np) == protocol)
            return false;

        var hasPorts = protocol is 6 or 17 or 132 or 136;
        if (!Side(rule.Source, packet.Source, hasPorts, packet.SourcePort) || !Side(rule.Destination, packet.Destination, hasPorts, packet.DestinationPort))
            return false;

        var isIcmp = (protocol == 1 && packet.IpVersion == 4) || (protocol == 58 && packet.IpVersion == 6);
        bool IcmpHit(IcmpModel icmp) => isIcmp && icmp.Type == packet.IcmpType && (icmp.Code is null || icmp.Code == packet.IcmpCode);
        if (rule.Icmp is { } i && !IcmpHit(i))
            return false;
        if (rule.NotIcmp is { } ni && IcmpHit(ni))
            return false;
        return true;
    }

    private static bool Side(EntityModel side, IpAddress address, bool hasPorts, ushort port)
    {
        if (side.Nets.Count > 0 && !side.Nets.Any(n => Cidr.Parse(n).Contains(address)))
            return false;
        if (side.NotNets.Any(n => Cidr.Parse(n).Contains(address)))
            return false;
        bool InAny(IEnumerable<string> items) => items.Select(Range).Any(r => port >= r.First && port <= r.Last);
        if (side.Ports.Count > 0 && !(hasPorts && InAny(side.Ports)))
            return false;
        if (side.NotPorts.Count > 0 && hasPorts && InAny(side.NotPorts))
            return false;
        return true;
    }
}
