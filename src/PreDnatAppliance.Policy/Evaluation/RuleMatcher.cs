using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Evaluation;

/// <summary>
/// Does a packet match a compiled rule? Written as the plainest possible reading of the rule's fields,
/// because it is the oracle the generated classifiers are tested against.
/// </summary>
public static class RuleMatcher
{
    public static bool Matches(CompiledRule rule, in PacketTuple packet)
    {
        if (rule.NeverMatches)
            return false;
        if (rule.IpVersion is { } version && version != packet.IpVersion)
            return false;
        if (rule.Protocol is { } protocol && protocol != packet.Protocol)
            return false;
        if (rule.NotProtocol is { } notProtocol && notProtocol == packet.Protocol)
            return false;
        if (!SideMatches(rule.Source, packet.Source, packet.Protocol, packet.HasPorts, packet.SourcePort))
            return false;
        if (!SideMatches(rule.Destination, packet.Destination, packet.Protocol, packet.HasPorts, packet.DestinationPort))
            return false;
        if (rule.Icmp is { } icmp && !(packet.IsIcmp && icmp.Matches(packet.IcmpType, packet.IcmpCode)))
            return false;
        if (rule.NotIcmp is { } notIcmp && packet.IsIcmp && notIcmp.Matches(packet.IcmpType, packet.IcmpCode))
            return false;
        return true;
    }

    private static bool SideMatches(AddressMatch side, IpAddress address, byte protocol, bool hasPorts, ushort port)
    {
        if (side.Nets.Count > 0 && !side.Nets.Any(n => n.Contains(address)))
            return false;
        if (side.NotNets.Any(n => n.Contains(address)))
            return false;
        if (side.Set is { } set && !set.Contains(address))
            return false;
        if (side.NotSets.Any(s => s.Contains(address)))
            return false;
        if (side.HasPortMatch)
        {
            if (!hasPorts)
                return false;
            var inRanges = side.Ports.Any(r => r.Contains(port));
            var inNamed = side.NamedPorts.Any(s => s.Contains(address, protocol, port));
            if (!inRanges && !inNamed)
                return false;
        }
        if (side.HasNotPortMatch && hasPorts)
        {
            if (side.NotPorts.Any(r => r.Contains(port)) || side.NotNamedPorts.Any(s => s.Contains(address, protocol, port)))
                return false;
        }
        return true;
    }
}
