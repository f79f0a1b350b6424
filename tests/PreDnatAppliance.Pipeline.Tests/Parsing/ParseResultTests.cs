using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Parsing;
using static PreDnatAppliance.Pipeline.Tests.Parsing.Pkt;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>What the parse stage extracts from each kind of packet it keeps.</summary>
public class ParseResultTests
{
    [Fact]
    public void Ipv4_tcp_fills_headers_offsets_flags_and_flow()
    {
        var p = ParseHarness.Kept(Tcp4("203.0.113.5", "192.0.2.10", 40000, 30080, SYN | ACK));
        Assert.Equal(PacketFlags.None, p.Flags);
        Assert.Equal(0x0800, p.EtherType);
        Assert.Equal(14, p.L3Offset);
        Assert.Equal(40, p.L3Length);
        Assert.Equal(34, p.L4Offset);
        Assert.Equal(4, p.IpVersion);
        Assert.Equal(6, p.Protocol);
        Assert.Equal(0xCB007105u, p.SrcV4);
        Assert.Equal(0xC000020Au, p.DstV4);
        Assert.Equal(0UL, p.SrcV6High | p.SrcV6Low | p.DstV6High | p.DstV6Low);
        Assert.Equal(40000, p.SrcPort);
        Assert.Equal(30080, p.DstPort);
        Assert.Equal(SYN | ACK, p.TcpFlags);
        Assert.Equal(FlowKey.V4(0xCB007105, 0xC000020A, 6, 40000, 30080), p.Flow);
        Assert.Equal(default, p.EmbeddedFlow);
    }

    [Fact]
    public void Ipv4_udp_ignores_ethernet_padding()
    {
        var frame = Udp4("10.0.0.1", "10.0.0.2", 5353, 53, new byte[] { 1, 2 });
        Assert.Equal(60, frame.Length);
        var p = ParseHarness.Kept(frame);
        Assert.Equal(30, p.L3Length);
        Assert.Equal((17, 5353, 53), (p.Protocol, p.SrcPort, p.DstPort));
        Assert.Equal(0, p.TcpFlags);
    }

    [Fact]
    public void Vlan_and_qinq_tags_move_l3_and_keep_both_ids()
    {
        var q = ParseHarness.Kept(Tcp4("10.0.0.1", "10.0.0.2", 1, 2, vlans: new[] { Vlan.Q(0x6064) })); // PCP 3, VID 100
        Assert.Equal(PacketFlags.Vlan, q.Flags);
        Assert.Equal((100, 0), (q.VlanId, q.InnerVlanId));
        Assert.Equal((18, 38), (q.L3Offset, q.L4Offset));

        var qinq = ParseHarness.Kept(Tcp4("10.0.0.1", "10.0.0.2", 1, 2, vlans: new[] { Vlan.Ad(200), Vlan.Q(300) }));
        Assert.Equal(PacketFlags.Vlan | PacketFlags.QinQ, qinq.Flags);
        Assert.Equal((200, 300), (qinq.VlanId, qinq.InnerVlanId));
        Assert.Equal((22, 42), (qinq.L3Offset, qinq.L4Offset));
        Assert.Equal(0x0800, qinq.EtherType);

        // Two 802.1Q tags are accepted as QinQ as well.
        var qq = ParseHarness.Kept(Udp4("10.0.0.1", "10.0.0.2", 1, 2, vlans: new[] { Vlan.Q(7), Vlan.Q(8) }));
        Assert.Equal((7, 8), (qq.VlanId, qq.InnerVlanId));
    }

    [Fact]
    public void Arp_is_kept_and_flagged_with_its_addresses()
    {
        var frame = Eth(0x0806, Arp(1, 0x02AABBCCDDEE, V4("192.0.2.1"), 0, V4("192.0.2.10")), new[] { Vlan.Q(5) });
        var p = ParseHarness.Kept(frame);
        Assert.Equal(PacketFlags.Arp | PacketFlags.Vlan, p.Flags);
        Assert.Equal(0x0806, p.EtherType);
        Assert.Equal((18, 28, 0), (p.L3Offset, p.L3Length, p.L4Offset));
        Assert.Equal(1, p.ArpOpcode);
        Assert.Equal(0x02AABBCCDDEEUL, p.ArpSenderMac);
        Assert.Equal(V4("192.0.2.1"), p.ArpSenderIp);
        Assert.Equal(0UL, p.ArpTargetMac);
        Assert.Equal(V4("192.0.2.10"), p.ArpTargetIp);
        Assert.Equal(0, p.IpVersion);
        Assert.Equal(default, p.Flow);

        var reply = ParseHarness.Kept(Eth(0x0806, Arp(2, 0x020000000001, V4("192.0.2.10"), 0x02AABBCCDDEE, V4("192.0.2.1"))));
        Assert.Equal((2, 0x02AABBCCDDEEUL), (reply.ArpOpcode, reply.ArpTargetMac));
    }

    [Fact]
    public void Ipv4_options_are_flagged_and_skipped()
    {
        var options = new byte[] { 0x94, 0x04, 0x00, 0x00, 0x01, 0x01, 0x01, 0x00 }; // router alert, NOP, NOP, NOP, EOL
        var p = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.1.1.1"), V4("10.2.2.2"), 17, Udp(1000, 2000), options)));
        Assert.Equal(PacketFlags.IpOptions, p.Flags);
        Assert.Equal(14 + 28, p.L4Offset);
        Assert.Equal((1000, 2000), (p.SrcPort, p.DstPort));
    }

    [Fact]
    public void Ipv4_first_fragment_has_ports_later_fragments_have_no_l4()
    {
        var udp = Udp(4000, 53, new byte[64]);
        var first = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 17, udp[..40], moreFragments: true)));
        Assert.Equal(PacketFlags.FirstFragment, first.Flags);
        Assert.Equal((4000, 53), (first.SrcPort, first.DstPort)); // the UDP length (72) is longer than the fragment: fine

        var later = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 17, udp[40..], fragmentOffset: 5)));
        Assert.Equal(PacketFlags.LaterFragment, later.Flags);
        Assert.Equal((17, 0, 0, 0), (later.Protocol, later.SrcPort, later.DstPort, later.L4Offset));
        Assert.Equal(FlowKey.V4(V4("10.0.0.1"), V4("10.0.0.2"), 17, 0, 0), later.Flow);

        // The last fragment (MF clear, offset set) is a later fragment too; its bytes are never read as L4.
        var last = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 6, new byte[] { 1, 2, 3 }, fragmentOffset: 100)));
        Assert.Equal(PacketFlags.LaterFragment, last.Flags);
    }

    [Fact]
    public void Ipv6_tcp_addresses_are_two_host_order_halves()
    {
        var p = ParseHarness.Kept(Tcp6("2001:db8::1", "2001:db8:1::a", 40000, 443));
        var (sh, sl) = V6("2001:db8::1");
        var (dh, dl) = V6("2001:db8:1::a");
        Assert.Equal(0x20010DB800000000UL, sh);
        Assert.Equal((6, 6), (p.IpVersion, p.Protocol));
        Assert.Equal((sh, sl, dh, dl), (p.SrcV6High, p.SrcV6Low, p.DstV6High, p.DstV6Low));
        Assert.Equal(0u, p.SrcV4 | p.DstV4);
        Assert.Equal((14, 60, 54), (p.L3Offset, p.L3Length, p.L4Offset));
        Assert.Equal(new FlowKey(6, sh, sl, dh, dl, 6, 40000, 443), p.Flow);
        Assert.Equal(0x86DD, p.EtherType);
    }

    [Fact]
    public void Ipv6_extension_headers_are_walked_to_the_upper_layer()
    {
        // Hop-by-Hop (8) -> Destination Options (16) -> Routing (24) -> AH (16) -> UDP
        var chain = Concat(Ext(60, 8), Ext(43, 16), Ext(51, 24), Ah(17, 16), Udp(5000, 6000, new byte[4]));
        var frame = Eth(0x86DD, Ipv6("fe80::1", "ff02::1", 0, chain, upperLayerOffset: 64, upperLayerProtocol: 17));
        var p = ParseHarness.Kept(frame);
        Assert.Equal(PacketFlags.Ipv6Extensions, p.Flags);
        Assert.Equal(17, p.Protocol);
        Assert.Equal(14 + 40 + 64, p.L4Offset);
        Assert.Equal((5000, 6000), (p.SrcPort, p.DstPort));
    }

    [Fact]
    public void Ipv6_fragments_first_later_and_atomic()
    {
        var tcp = Tcp(1234, 80, ACK, payload: new byte[40]);
        var first = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 44, Concat(Frag6(6, 0, more: true), tcp[..32]))));
        Assert.Equal(PacketFlags.FirstFragment | PacketFlags.Ipv6Extensions, first.Flags);
        Assert.Equal((6, 1234, 80, 14 + 48), (first.Protocol, first.SrcPort, first.DstPort, first.L4Offset));

        var later = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 44, Concat(Frag6(6, 4, more: false), tcp[32..]))));
        Assert.Equal(PacketFlags.LaterFragment | PacketFlags.Ipv6Extensions, later.Flags);
        Assert.Equal((6, 0, 0, 0), (later.Protocol, later.SrcPort, later.DstPort, later.L4Offset));

        var atomic = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 44, Concat(Frag6(17, 0, more: false), Udp(1, 2)))));
        Assert.Equal(PacketFlags.Ipv6Extensions, atomic.Flags);
        Assert.Equal((17, 1, 2), (atomic.Protocol, atomic.SrcPort, atomic.DstPort));
    }

    [Fact]
    public void Sctp_ports()
    {
        var p = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 132, Sctp(36412, 38412))));
        Assert.Equal((132, 36412, 38412), (p.Protocol, p.SrcPort, p.DstPort));
        Assert.Equal(FlowKey.V4(V4("10.0.0.1"), V4("10.0.0.2"), 132, 36412, 38412), p.Flow);
    }

    [Fact]
    public void Icmp_echo_id_goes_to_the_flow_not_to_the_ports()
    {
        var p = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 1, Icmp(8, 0, id: 0x4242, seq: 7, body: new byte[16]))));
        Assert.Equal((1, 8, 0), (p.Protocol, p.IcmpType, p.IcmpCode));
        Assert.Equal((0, 0), (p.SrcPort, p.DstPort));
        Assert.Equal(FlowKey.V4(V4("10.0.0.1"), V4("10.0.0.2"), 1, 0x4242, 0), p.Flow);

        var v6 = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 58, Icmp(129, 0, id: 99, seq: 1))));
        Assert.Equal((58, 129, 99, 0), (v6.Protocol, v6.IcmpType, v6.Flow.SourcePort, v6.SrcPort));

        // Not a query: no id (router advertisement)
        var ra = ParseHarness.Kept(Eth(0x86DD, Ipv6("fe80::1", "ff02::1", 58, Icmp(134, 0, id: 0x4000, body: new byte[8]))));
        Assert.Equal((134, 0), (ra.IcmpType, ra.Flow.SourcePort));
    }

    [Fact]
    public void Icmp_port_unreachable_carries_the_embedded_udp_flow()
    {
        var original = Ipv4(V4("10.0.0.1"), V4("198.51.100.7"), 17, Udp(40001, 53, new byte[20]));
        var error = Ipv4(V4("198.51.100.7"), V4("10.0.0.1"), 1, IcmpError(3, 3, original, keep: 28));
        var p = ParseHarness.Kept(Eth(0x0800, error));
        Assert.Equal(PacketFlags.IcmpError, p.Flags);
        Assert.Equal((1, 3, 3), (p.Protocol, p.IcmpType, p.IcmpCode));
        Assert.Equal(FlowKey.V4(V4("198.51.100.7"), V4("10.0.0.1"), 1, 0, 0), p.Flow);
        Assert.Equal(FlowKey.V4(V4("10.0.0.1"), V4("198.51.100.7"), 17, 40001, 53), p.EmbeddedFlow);
        Assert.Equal((14 + 20 + 8, 14 + 20 + 8 + 20), (p.EmbeddedL3Offset, p.EmbeddedL4Offset));
    }

    [Fact]
    public void Icmp_errors_carry_tcp_icmp_and_fragment_flows()
    {
        var tcp = Ipv4(V4("10.0.0.1"), V4("192.0.2.10"), 6, Tcp(40000, 30080, options: new byte[12]), options: new byte[4]);
        var fragNeeded = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("192.0.2.254"), V4("10.0.0.1"), 1, IcmpError(3, 4, tcp, keep: 32, rest: 1400))));
        Assert.Equal(FlowKey.V4(V4("10.0.0.1"), V4("192.0.2.10"), 6, 40000, 30080), fragNeeded.EmbeddedFlow);

        var echo = Ipv4(V4("10.0.0.1"), V4("192.0.2.10"), 1, Icmp(8, 0, id: 777, seq: 1));
        var ttl = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("192.0.2.254"), V4("10.0.0.1"), 1, IcmpError(11, 0, echo))));
        Assert.Equal((PacketFlags.IcmpError, 11), (ttl.Flags, ttl.IcmpType));
        Assert.Equal(FlowKey.V4(V4("10.0.0.1"), V4("192.0.2.10"), 1, 777, 0), ttl.EmbeddedFlow);

        var laterFragment = Ipv4(V4("10.0.0.1"), V4("192.0.2.10"), 17, new byte[8], fragmentOffset: 10);
        var unreach = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("192.0.2.254"), V4("10.0.0.1"), 1, IcmpError(3, 1, laterFragment))));
        Assert.Equal(FlowKey.V4(V4("10.0.0.1"), V4("192.0.2.10"), 17, 0, 0), unreach.EmbeddedFlow);
        Assert.Equal(0, unreach.EmbeddedL4Offset);
    }

    [Fact]
    public void Icmpv6_packet_too_big_carries_an_embedded_flow_through_extension_headers()
    {
        var inner = Ipv6("2001:db8::1", "2001:db8::99", 60, Concat(Ext(6, 8), Tcp(50000, 443, ACK)), upperLayerOffset: 8, upperLayerProtocol: 6);
        var error = Ipv6("2001:db8::fe", "2001:db8::1", 58, IcmpError(2, 0, inner, keep: 40 + 8 + 8, rest: 1280));
        var p = ParseHarness.Kept(Eth(0x86DD, error));
        Assert.Equal(PacketFlags.IcmpError, p.Flags);
        Assert.Equal((58, 2), (p.Protocol, p.IcmpType));
        var (sh, sl) = V6("2001:db8::1");
        var (dh, dl) = V6("2001:db8::99");
        Assert.Equal(new FlowKey(6, sh, sl, dh, dl, 6, 50000, 443), p.EmbeddedFlow);
        Assert.Equal((14 + 48, 14 + 48 + 48), (p.EmbeddedL3Offset, p.EmbeddedL4Offset));

        var laterFragment = Ipv6("2001:db8::1", "2001:db8::99", 44, Concat(Frag6(17, 100, more: true), new byte[16]));
        var unreachable = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::fe", "2001:db8::1", 58, IcmpError(1, 4, laterFragment))));
        Assert.Equal((17, 0, 0), (unreachable.EmbeddedFlow.Protocol, unreachable.EmbeddedFlow.SourcePort, unreachable.EmbeddedFlow.DestinationPort));
        Assert.Equal(0, unreachable.EmbeddedL4Offset);
    }

    [Fact]
    public void Other_protocols_are_kept_without_ports()
    {
        var gre = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 47, new byte[12])));
        Assert.Equal((47, 0, 0, 34), (gre.Protocol, gre.SrcPort, gre.DstPort, gre.L4Offset));

        var esp = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 50, new byte[24])));
        Assert.Equal(50, esp.Protocol);

        var none = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 59, Array.Empty<byte>())));
        Assert.Equal((59, 54), (none.Protocol, none.L4Offset));

        // ICMP (1) inside IPv6 and ICMPv6 (58) inside IPv4 are not ICMP for their family: no type/code.
        var odd = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 1, new byte[] { 8, 0, 0, 0 })));
        Assert.Equal((1, 0), (odd.Protocol, odd.IcmpType));
    }

    [Fact]
    public void Later_stages_compact_the_parsed_burst_with_the_burst()
    {
        var parse = new ParseStage(boundsChecked: true);
        var dropOdd = new DropOddPorts(parse.Parsed);
        using var runner = new OfflineRunner(new IBurstStage[] { parse, dropOdd });
        var flows = new List<(FlowKey Flow, int Position)>();
        var reasons = new List<DropReason>();
        runner.OnPacket = (in OfflinePacketResult r) =>
        {
            reasons.Add(r.Reason);
            if (r.Kept)
                flows.Add((parse.Parsed.Flow[r.Position], r.Position));
        };
        for (ushort i = 0; i < 40; i++)
            runner.Push(i % 7 == 3 ? new byte[10] : Udp4("10.0.0.1", "10.0.0.2", i, 53), 0);
        runner.Flush();

        Assert.Equal(40, reasons.Count);
        for (var i = 0; i < 40; i++)
        {
            var expected = i % 7 == 3 ? DropReason.TruncatedEthernet : i % 2 == 1 ? DropReason.PolicyDeny : DropReason.None;
            Assert.Equal(expected, reasons[i]);
        }
        Assert.All(flows, f => Assert.Equal(0, f.Flow.SourcePort % 2));
        Assert.Equal(flows.Select(f => f.Flow.SourcePort).OrderBy(p => p), flows.Select(f => f.Flow.SourcePort));
    }

    /// <summary>A later stage: drops packets with odd source ports and keeps the parsed burst aligned.</summary>
    private sealed unsafe class DropOddPorts(ParsedBurst parsed) : IBurstStage
    {
        public string Name => "drop-odd";

        public void Process(Burst burst)
        {
            Assert.Equal(burst.Count, parsed.Count);
            for (var i = 0; i < burst.Count; i++)
                if (parsed.Headers.SrcPort[i] % 2 == 1)
                    burst.Drop(i, DropReason.PolicyDeny);
            parsed.Compact(burst);
            Assert.Equal(burst.Count, parsed.Count);
        }
    }
}
