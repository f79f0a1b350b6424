using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.PolicySelfTest;

/// <summary>
/// Packets at the edges of each rule of a program: a packet inside every match of the rule, then the same packet with
/// one field moved to each edge of that field's matches (first and last address of every CIDR and set member and the
/// addresses just outside, both ends of every port range and the ports just outside, the ICMP type and code and their
/// neighbours). Where a random packet rarely lands on a boundary, these land on every one, deterministically.
/// </summary>
public static class CornerPackets
{
    private const int MaxPerField = 32;

    public static IEnumerable<PacketTuple> For(EndpointProgram program)
    {
        foreach (var rule in program.AllRules)
        {
            foreach (var version in Versions(rule))
            {
                var sources = Addresses(rule.Source, version, version == 4 ? IpAddress.V4(0xcb007105) : IpAddress.V6(0x20010db8ffff0000, 5));
                var destinations = Addresses(rule.Destination, version, version == 4 ? IpAddress.V4(0xc000020a) : IpAddress.V6(0x20010db800000000, 0x10));
                var protocols = Protocols(rule, version);
                var sourcePorts = Ports(rule.Source, 40000);
                var destinationPorts = Ports(rule.Destination, 80);
                var icmp = Icmp(rule);

                var base0 = new PacketTuple(sources[0], destinations[0], protocols[0], sourcePorts[0], destinationPorts[0], icmp[0].Type, icmp[0].Code);
                yield return base0;
                foreach (var a in sources.Skip(1))
                    yield return new PacketTuple(a, base0.Destination, base0.Protocol, base0.SourcePort, base0.DestinationPort, base0.IcmpType, base0.IcmpCode);
                foreach (var a in destinations.Skip(1))
                    yield return new PacketTuple(base0.Source, a, base0.Protocol, base0.SourcePort, base0.DestinationPort, base0.IcmpType, base0.IcmpCode);
                foreach (var p in protocols.Skip(1))
                    yield return new PacketTuple(base0.Source, base0.Destination, p, base0.SourcePort, base0.DestinationPort, base0.IcmpType, base0.IcmpCode);
                foreach (var port in sourcePorts.Skip(1))
                    yield return new PacketTuple(base0.Source, base0.Destination, base0.Protocol, port, base0.DestinationPort, base0.IcmpType, base0.IcmpCode);
                foreach (var port in destinationPorts.Skip(1))
                    yield return new PacketTuple(base0.Source, base0.Destination, base0.Protocol, base0.SourcePort, port, base0.IcmpType, base0.IcmpCode);
                foreach (var (type, code) in icmp.Skip(1))
                    yield return new PacketTuple(base0.Source, base0.Destination, base0.Protocol, base0.SourcePort, base0.DestinationPort, type, code);
            }
        }
    }

    private static IEnumerable<byte> Versions(CompiledRule rule)
    {
        if (rule.IpVersion is { } version)
            return new[] { version };
        var mentioned = Cidrs(rule.Source).Concat(Cidrs(rule.Destination)).Select(c => (byte)c.Version).Distinct().ToList();
        return mentioned.Count > 0 ? mentioned : new byte[] { 4, 6 };
    }

    private static IEnumerable<Cidr> Cidrs(AddressMatch side) =>
        side.Nets.Concat(side.NotNets)
            .Concat(side.Set?.Members ?? Array.Empty<Cidr>())
            .Concat(side.NotSets.SelectMany(s => s.Members))
            .Concat(side.NamedPorts.Concat(side.NotNamedPorts).SelectMany(s => s.Members).Select(m => m.Address));

    /// <summary>Inside first (the base packet), then every edge.</summary>
    private static IReadOnlyList<IpAddress> Addresses(AddressMatch side, byte version, IpAddress fallback)
    {
        var cidrs = Cidrs(side).Where(c => c.Version == version).ToList();
        if (cidrs.Count == 0)
            return new[] { fallback };
        var result = new List<IpAddress>();
        foreach (var cidr in cidrs)
        {
            var (first, last) = PacketSampler.Bounds(cidr);
            result.Add(first);
            result.Add(last);
            result.Add(PacketSampler.Step(first, -1));
            result.Add(PacketSampler.Step(last, +1));
        }
        return result.Distinct().Take(MaxPerField).ToList();
    }

    private static IReadOnlyList<byte> Protocols(CompiledRule rule, byte version)
    {
        var result = new List<byte>();
        if (rule.Protocol is { } p) result.Add(p);
        result.Add(IpProtocol.Tcp);
        result.Add(IpProtocol.Udp);
        result.Add(version == 4 ? IpProtocol.Icmp : IpProtocol.IcmpV6);
        if (rule.NotProtocol is { } np) result.Add(np);
        return result.Distinct().ToList();
    }

    private static IReadOnlyList<ushort> Ports(AddressMatch side, ushort fallback)
    {
        var result = new List<ushort>();
        foreach (var range in side.Ports.Concat(side.NotPorts))
        {
            result.Add(range.First);
            result.Add(range.Last);
            result.Add(unchecked((ushort)(range.First - 1)));
            result.Add(unchecked((ushort)(range.Last + 1)));
        }
        foreach (var member in side.NamedPorts.Concat(side.NotNamedPorts).SelectMany(s => s.Members))
        {
            result.Add(member.Port);
            result.Add(unchecked((ushort)(member.Port + 1)));
        }
        if (result.Count == 0)
            result.Add(fallback);
        return result.Distinct().Take(MaxPerField).ToList();
    }

    private static IReadOnlyList<(byte Type, byte Code)> Icmp(CompiledRule rule)
    {
        var result = new List<(byte, byte)>();
        foreach (var match in new[] { rule.Icmp, rule.NotIcmp })
        {
            if (match is not { } m)
                continue;
            var code = m.Code ?? 0;
            result.Add((m.Type, code));
            result.Add((unchecked((byte)(m.Type + 1)), code));
            result.Add((unchecked((byte)(m.Type - 1)), code));
            result.Add((m.Type, unchecked((byte)(code + 1))));
        }
        if (result.Count == 0)
            result.Add((8, 0));
        return result.Distinct().ToList();
    }
}
