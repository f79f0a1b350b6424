using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.PolicySelfTest;

/// <summary>
/// Draws packets biased into a program's address and port space: addresses at, inside and just outside the
/// CIDRs and set members its rules mention, ports at and around the edges of its ranges and named ports, its
/// protocols and ICMP types, plus uniformly random values, IPv6 lanes and the occasional non-IP lane.
/// </summary>
public sealed class PacketSampler
{
    private static readonly byte[] CommonProtocols = { 6, 17, 1, 58, 132, 136, 47, 6, 17 };

    private readonly Random _random;
    private readonly List<Cidr>[] _cidrs = { new(), new() };
    private readonly List<ushort> _ports = new();
    private readonly List<byte> _protocols = new();
    private readonly List<byte> _icmp = new();

    public PacketSampler(EndpointProgram program, Random random)
    {
        _random = random;
        foreach (var rule in program.AllRules)
        {
            if (rule.Protocol is { } p) _protocols.Add(p);
            if (rule.NotProtocol is { } np) _protocols.Add(np);
            foreach (var icmp in new[] { rule.Icmp, rule.NotIcmp })
            {
                if (icmp is { } match)
                {
                    _icmp.Add(match.Type);
                    if (match.Code is { } code) _icmp.Add(code);
                }
            }
            foreach (var side in new[] { rule.Source, rule.Destination })
            {
                foreach (var cidr in side.Nets.Concat(side.NotNets).Concat(side.Set?.Members ?? Array.Empty<Cidr>()).Concat(side.NotSets.SelectMany(s => s.Members)))
                    Add(cidr);
                foreach (var member in side.NamedPorts.Concat(side.NotNamedPorts).SelectMany(s => s.Members))
                {
                    Add(member.Address);
                    _ports.Add(member.Port);
                }
                foreach (var range in side.Ports.Concat(side.NotPorts))
                {
                    _ports.Add(range.First);
                    _ports.Add(range.Last);
                    _ports.Add(unchecked((ushort)(range.First - 1)));
                    _ports.Add(unchecked((ushort)(range.Last + 1)));
                    _ports.Add((ushort)_random.Next(range.First, range.Last + 1));
                }
            }
        }
    }

    private void Add(Cidr cidr) => _cidrs[cidr.Version == 4 ? 0 : 1].Add(cidr);

    /// <summary>One lane: a packet (IPv4 or IPv6), or null for a lane that is not IP.</summary>
    public PacketTuple? NextLane()
    {
        var version = NextVersion();
        var protocol = NextProtocol();
        var sport = NextPort();
        var dport = NextPort();
        var type = NextIcmp();
        var code = NextIcmp();
        if (version == 0)
            return null;
        return new PacketTuple(NextAddress(version), NextAddress(version), protocol, sport, dport, type, code);
    }

    /// <summary>4 or 6 (most lanes) or 0 (not IP).</summary>
    public byte NextVersion() => _random.Next(100) switch
    {
        < 55 => 4,
        < 97 => 6,
        _ => 0,
    };

    public IpAddress NextAddress(int family)
    {
        var pool = _cidrs[family == 4 ? 0 : 1];
        if (pool.Count == 0 || _random.Next(10) < 3)
            return RandomAddress(family);
        var cidr = pool[_random.Next(pool.Count)];
        var (first, last) = Bounds(cidr);
        return _random.Next(8) switch
        {
            0 or 1 => first,
            2 or 3 => last,
            4 => Step(first, -1),
            5 => Step(last, +1),
            _ => Inside(cidr),
        };
    }

    public byte NextProtocol() =>
        _protocols.Count > 0 && _random.Next(3) == 0 ? _protocols[_random.Next(_protocols.Count)]
        : _random.Next(12) == 0 ? (byte)_random.Next(0, 256)
        : CommonProtocols[_random.Next(CommonProtocols.Length)];

    public ushort NextPort() =>
        _ports.Count > 0 && _random.Next(10) < 6 ? _ports[_random.Next(_ports.Count)] : (ushort)_random.Next(0, 65536);

    public byte NextIcmp() =>
        _icmp.Count > 0 && _random.Next(10) < 6 ? (byte)(_icmp[_random.Next(_icmp.Count)] + _random.Next(-1, 2)) : (byte)_random.Next(0, 256);

    private IpAddress RandomAddress(int family)
    {
        var bytes = new byte[16];
        _random.NextBytes(bytes);
        return family == 4
            ? IpAddress.V4(BitConverter.ToUInt32(bytes, 0))
            : IpAddress.V6(BitConverter.ToUInt64(bytes, 0), BitConverter.ToUInt64(bytes, 8));
    }

    private IpAddress Inside(Cidr cidr)
    {
        var random = RandomAddress(cidr.Version);
        if (cidr.Version == 4)
        {
            var mask = cidr.PrefixLength == 0 ? 0u : uint.MaxValue << (32 - cidr.PrefixLength);
            return IpAddress.V4(cidr.Network.V4Value | (random.V4Value & ~mask));
        }
        var (maskHigh, maskLow) = Mask128(cidr.PrefixLength);
        return IpAddress.V6(cidr.Network.High | (random.High & ~maskHigh), cidr.Network.Low | (random.Low & ~maskLow));
    }

    internal static (IpAddress First, IpAddress Last) Bounds(Cidr cidr)
    {
        if (cidr.Version == 4)
        {
            var host = cidr.PrefixLength == 32 ? 0u : uint.MaxValue >> cidr.PrefixLength;
            return (cidr.Network, IpAddress.V4(cidr.Network.V4Value | host));
        }
        var (maskHigh, maskLow) = Mask128(cidr.PrefixLength);
        return (cidr.Network, IpAddress.V6(cidr.Network.High | ~maskHigh, cidr.Network.Low | ~maskLow));
    }

    internal static IpAddress Step(IpAddress address, int delta)
    {
        if (address.IsV4)
            return IpAddress.V4(unchecked((uint)(address.V4Value + delta)));
        var low = unchecked(address.Low + (ulong)(long)delta);
        var high = delta > 0 && low == 0 ? unchecked(address.High + 1) : delta < 0 && address.Low == 0 ? unchecked(address.High - 1) : address.High;
        return IpAddress.V6(high, low);
    }

    private static (ulong High, ulong Low) Mask128(int prefix) =>
        (prefix >= 64 ? ulong.MaxValue : prefix == 0 ? 0 : ulong.MaxValue << (64 - prefix),
         prefix <= 64 ? 0 : prefix == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefix));
}
