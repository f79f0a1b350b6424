using System.Buffers.Binary;
using System.Text.RegularExpressions;
using PreDnatAppliance.Dataplane.Stages;
using static PreDnatAppliance.Pipeline.Tests.Parsing.Pkt;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>Every parse drop reason, each from at least one frame that has exactly that defect.</summary>
public class DropReasonTests
{
    private static byte[] Set16(byte[] frame, int offset, ushort value)
    {
        var f = (byte[])frame.Clone();
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(offset), value);
        return f;
    }

    private static byte[] Set8(byte[] frame, int offset, byte value)
    {
        var f = (byte[])frame.Clone();
        f[offset] = value;
        return f;
    }

    private static readonly byte[] Tcp4Frame = Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 6, Tcp(1, 2)), pad: false);
    private static readonly byte[] Udp4Frame = Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 17, Udp(1, 2, new byte[4])), pad: false);
    private static readonly byte[] Udp6Frame = Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 17, Udp(1, 2, new byte[4])), pad: false);
    private static readonly byte[] ArpFrame = Eth(0x0806, Arp(1, 0x020000000002, V4("10.0.0.2"), 0, V4("10.0.0.1")), pad: false);

    private static byte[] V4Frame(byte protocol, byte[] l4) => Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), protocol, l4), pad: false);
    private static byte[] V6Frame(byte next, byte[] payload) => Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", next, payload), pad: false);

    private static byte[] IcmpErrorV4(byte[] embedded, int? keep = null) =>
        V4Frame(1, IcmpError(3, 3, embedded, keep));

    public static TheoryData<string, byte[], DropReason> Cases() => new()
    {
        { "3000-byte frame spans two mbufs", Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 17, Udp(1, 2, new byte[2958]))), DropReason.MultiSegment },
        { "zero-length frame", Array.Empty<byte>(), DropReason.TruncatedEthernet },
        { "13 bytes", new byte[13], DropReason.TruncatedEthernet },
        { "802.1Q tag cut", Tcp4("10.0.0.1", "10.0.0.2", 1, 2, vlans: new[] { Vlan.Q(1) })[..17], DropReason.TruncatedVlan },
        { "inner tag cut", Tcp4("10.0.0.1", "10.0.0.2", 1, 2, vlans: new[] { Vlan.Ad(1), Vlan.Q(2) })[..21], DropReason.TruncatedVlan },
        { "three tags", Tcp4("10.0.0.1", "10.0.0.2", 1, 2, vlans: new[] { Vlan.Ad(1), Vlan.Q(2), Vlan.Q(3) }), DropReason.TooManyVlans },
        { "LLDP", Eth(0x88CC, new byte[46]), DropReason.UnsupportedEtherType },
        { "802.3 length field", Eth(0x0026, new byte[46]), DropReason.UnsupportedEtherType },
        { "tagged IPX", Eth(0x8137, new byte[46], new[] { Vlan.Q(10) }), DropReason.UnsupportedEtherType },
        { "ARP 27 bytes", ArpFrame[..(14 + 27)], DropReason.TruncatedArp },
        { "ARP hardware type 6", Eth(0x0806, Arp(1, 1, 1, 0, 2, hardwareType: 6)), DropReason.ArpBadFormat },
        { "ARP for IPv6 lengths", Eth(0x0806, Arp(1, 1, 1, 0, 2, protocolLength: 16)), DropReason.ArpBadFormat },
        { "IPv4 19 bytes", Tcp4Frame[..(14 + 19)], DropReason.TruncatedIpv4 },
        { "EtherType IPv4, version 6", Set8(Tcp4Frame, 14, 0x65), DropReason.Ipv4BadVersion },
        { "IHL 4", Set8(Tcp4Frame, 14, 0x44), DropReason.Ipv4BadIhl },
        { "IHL 0", Set8(Tcp4Frame, 14, 0x40), DropReason.Ipv4BadIhl },
        { "IHL 15 beyond the packet", Set8(Tcp4Frame[..(14 + 40)], 14, 0x4F), DropReason.Ipv4BadIhl },
        { "total length below IHL", Set16(Tcp4Frame, 16, 19), DropReason.Ipv4BadTotalLength },
        { "total length beyond the frame", Set16(Tcp4Frame, 16, 41), DropReason.Ipv4BadTotalLength },
        { "frame cut inside TCP", Tcp4Frame[..50], DropReason.Ipv4BadTotalLength },
        { "IPv6 39 bytes", Udp6Frame[..(14 + 39)], DropReason.TruncatedIpv6 },
        { "EtherType IPv6, version 4", Set8(Udp6Frame, 14, 0x40), DropReason.Ipv6BadVersion },
        { "payload length beyond the frame", Set16(Udp6Frame, 18, 13), DropReason.Ipv6BadPayloadLength },
        { "hop-by-hop longer than the payload", V6Frame(0, Concat(Ext(17, 8, lengthField: 7), Udp(1, 2))), DropReason.Ipv6ExtHeaderOverrun },
        { "routing header cut at 4 bytes", V6Frame(43, new byte[] { 17, 0, 0, 0 }), DropReason.Ipv6ExtHeaderOverrun },
        { "AH longer than the payload", V6Frame(51, Ah(17, 16)[..12]), DropReason.Ipv6ExtHeaderOverrun },
        { "first fragment without the whole chain", V6Frame(44, Concat(Frag6(60, 0, more: true), Ext(6, 8, lengthField: 3))), DropReason.Ipv6ExtHeaderOverrun },
        { "destination options looping 9 times", V6Frame(60, Concat(Enumerable.Repeat(Ext(60, 8), 9).Append(Udp(1, 2)).ToArray())), DropReason.Ipv6TooManyExtHeaders },
        { "TCP 19 bytes", V4Frame(6, Tcp(1, 2)[..19]), DropReason.TruncatedTcp },
        { "TCP data offset 4", V4Frame(6, Tcp(1, 2, dataOffset: 4)), DropReason.TcpBadDataOffset },
        { "TCP data offset 15 in 20 bytes", V4Frame(6, Tcp(1, 2, dataOffset: 15)), DropReason.TcpBadDataOffset },
        { "IPv6 TCP data offset 0", V6Frame(6, Tcp(1, 2, dataOffset: 0)), DropReason.TcpBadDataOffset },
        { "UDP 7 bytes", V4Frame(17, Udp(1, 2)[..7]), DropReason.TruncatedUdp },
        { "UDP length 7", V4Frame(17, Udp(1, 2, length: 7)), DropReason.UdpBadLength },
        { "UDP length beyond the packet", V4Frame(17, Udp(1, 2, new byte[4], length: 13)), DropReason.UdpBadLength },
        { "IPv6 UDP length 0", V6Frame(17, Udp(1, 2, new byte[4], length: 0)), DropReason.UdpBadLength },
        { "SCTP 11 bytes", V4Frame(132, Sctp(1, 2, withChunk: false)[..11]), DropReason.TruncatedSctp },
        { "ICMP 7 bytes", V4Frame(1, Icmp(8, 0)[..7]), DropReason.TruncatedIcmp },
        { "ICMPv6 4 bytes", V6Frame(58, Icmp(128, 0)[..4]), DropReason.TruncatedIcmp },
        { "error with 19 bytes of IP", IcmpErrorV4(Ipv4(V4("10.0.0.2"), V4("10.0.0.9"), 17, Udp(5, 6)), keep: 19), DropReason.IcmpErrorTruncated },
        { "error with 4 bytes of UDP", IcmpErrorV4(Ipv4(V4("10.0.0.2"), V4("10.0.0.9"), 17, Udp(5, 6)), keep: 24), DropReason.IcmpErrorTruncated },
        { "error with options cut", IcmpErrorV4(Ipv4(V4("10.0.0.2"), V4("10.0.0.9"), 17, Udp(5, 6), options: new byte[8]), keep: 24), DropReason.IcmpErrorTruncated },
        { "ICMPv6 error with 30 bytes of IPv6", V6Frame(58, IcmpError(1, 0, Ipv6("2001:db8::2", "2001:db8::9", 17, Udp(5, 6)), keep: 30)), DropReason.IcmpErrorTruncated },
        { "ICMPv6 error with an ext header cut", V6Frame(58, IcmpError(3, 0, Ipv6("2001:db8::2", "2001:db8::9", 0, Concat(Ext(17, 16), Udp(5, 6))), keep: 48)), DropReason.IcmpErrorTruncated },
        { "error about an IPv6 packet inside ICMPv4", IcmpErrorV4(Ipv6("2001:db8::2", "2001:db8::9", 17, Udp(5, 6))), DropReason.IcmpErrorBadEmbedded },
        { "error with embedded IHL 3", IcmpErrorV4(Ipv4(V4("10.0.0.2"), V4("10.0.0.9"), 17, Udp(5, 6), ihl: 3)), DropReason.IcmpErrorBadEmbedded },
        { "ICMPv6 error with a looping embedded chain", V6Frame(58, IcmpError(4, 0, Ipv6("2001:db8::2", "2001:db8::9", 60, Concat(Enumerable.Repeat(Ext(60, 8), 12).ToArray())))), DropReason.IcmpErrorBadEmbedded },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Each_defect_is_dropped_with_its_reason(string name, byte[] frame, DropReason expected)
    {
        var checkedOutcome = ParseHarness.Parse(frame, boundsChecked: true);
        Assert.True(expected == checkedOutcome.Reason, $"{name}: expected {DropReasons.Name(expected)}, got {DropReasons.Name(checkedOutcome.Reason)}");
        Assert.Equal(expected, ParseHarness.Parse(frame, boundsChecked: false).Reason);
    }

    [Fact]
    public void Every_parse_reason_has_a_case_and_a_stable_kebab_case_name()
    {
        var covered = Cases().Select(row => (DropReason)row[2]).ToHashSet();
        var names = new HashSet<string>();
        for (var v = 16; v <= 39; v++)
        {
            var reason = (DropReason)v;
            Assert.True(Enum.IsDefined(reason), $"value {v} is not a DropReason");
            Assert.Contains(reason, covered);
            var name = DropReasons.Name(reason);
            Assert.Matches(new Regex("^[a-z0-9]+(-[a-z0-9]+)*$"), name);
            Assert.DoesNotContain("reason-", name);
            Assert.True(names.Add(name), $"duplicate name {name}");
        }
        Assert.Equal("multi-segment", DropReasons.Name(DropReason.MultiSegment));
        Assert.Equal("unsupported-ethertype", DropReasons.Name(DropReason.UnsupportedEtherType));
        Assert.Equal("icmp-error-truncated", DropReasons.Name(DropReason.IcmpErrorTruncated));
        Assert.Equal(64, DropReasons.Count);
        Assert.DoesNotContain(Enum.GetValues<DropReason>(), r => (int)r >= DropReasons.Count);
    }
}
