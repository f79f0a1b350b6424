using System.Buffers.Binary;
using System.Net;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>IPv6 neighbour discovery: Neighbor Solicitations answered, validated and learned from; unknown next hops solicited.</summary>
public sealed class NeighbourDiscoveryScenarios
{
    private const string Node6 = "2001:db8::10", Gateway6 = "2001:db8::1", Remote6 = "2001:db8:ffff::5";
    private const ulong GatewayMac = 0x0200_c000_0201UL, KernelMac = 0x0200_0000_00feUL;
    private const byte Solicitation = 135, Advertisement = 136, SourceLinkLayer = 1, TargetLinkLayer = 2;
    private const byte Solicited = 0x40, Override = 0x20;

    /// <summary>An ND message in a frame from <paramref name="sourceMac"/>, hop limit 255 unless told, valid checksum unless corrupted.</summary>
    private static byte[] Nd(byte type, string src, string dst, string target, ulong sourceMac, byte option = 0, byte flags = 0,
        byte hopLimit = 255, bool badChecksum = false)
    {
        var body = new byte[4 + 16 + (option != 0 ? 8 : 0)];
        body[0] = flags;
        IPAddress.Parse(target).GetAddressBytes().CopyTo(body, 4);
        if (option != 0)
        {
            body[20] = option;
            body[21] = 1;
            WriteMac(body.AsSpan(22), sourceMac);
        }
        var icmp = Pkt.Icmp(type, 0).AsSpan(0, 4).ToArray().Concat(body).ToArray();
        var ip = Pkt.Ipv6(src, dst, 58, icmp);
        ip[7] = hopLimit;                     // not in the pseudo-header: the checksum stays valid
        if (badChecksum)
            ip[42] ^= 0x55;
        var frame = Pkt.Eth(0x86DD, ip);
        WriteMac(frame.AsSpan(6), sourceMac);
        return frame;
    }

    private static void WriteMac(Span<byte> to, ulong mac)
    {
        Span<byte> b = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(b, mac);
        b[2..].CopyTo(to);
    }

    private static string SolicitedNode(string address)
    {
        var b = IPAddress.Parse(address).GetAddressBytes();
        return new IPAddress(new byte[] { 0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, b[13], b[14], b[15] }).ToString();
    }

    [Fact]
    public void Solicitations_for_node_addresses_are_answered_and_invalid_or_foreign_ones_dropped()
    {
        var run = new Scenario("nd-answers")
            .Send("eth0", Nd(Solicitation, Gateway6, SolicitedNode(Node6), Node6, GatewayMac, SourceLinkLayer))
            .Send("eth0", Nd(Solicitation, Gateway6, SolicitedNode("2001:db8::99"), "2001:db8::99", GatewayMac, SourceLinkLayer))
            .Send("eth0", Nd(Solicitation, Gateway6, SolicitedNode(Node6), Node6, GatewayMac, SourceLinkLayer, hopLimit: 64))
            .Send("eth0", Nd(Solicitation, Gateway6, SolicitedNode(Node6), Node6, GatewayMac, SourceLinkLayer, badChecksum: true))
            .Send("eth0", Nd(Solicitation, "::", SolicitedNode(Node6), Node6, GatewayMac))                 // duplicate address detection
            .Send("eth0", Nd(Solicitation, "::", SolicitedNode(Node6), Node6, GatewayMac, SourceLinkLayer)) // DAD with an option: invalid
            .Send("eth0", Nd(Solicitation, Gateway6, SolicitedNode(Node6), "ff02::1", GatewayMac))           // multicast target: invalid
            .Run();
        Assert.Equal(new[] { "nd-advertisement", "nd-not-for-us", "nd-invalid", "nd-invalid", "nd-advertisement", "nd-invalid", "nd-invalid" },
            run.Verdicts.Select(v => v.Reason));
        Assert.Equal(("forwarded", "eth0"), (run[0].Result, run[0].Egress));
        Assert.Equal("parse:ok", run[0].Trace);   // no policy, no conntrack (Linux leaves ND untracked)
        run.MatchesExpected().ChecksumsVerified();
        var answers = Tshark.Packets(run.Pcap("eth0"), "eth.src", "eth.dst", "ipv6.src", "ipv6.dst", "ipv6.hlim", "icmpv6.type", "icmpv6.code",
            "icmpv6.checksum.status", "icmpv6.nd.na.flag.r", "icmpv6.nd.na.flag.s", "icmpv6.nd.na.flag.o", "icmpv6.nd.na.target_address", "icmpv6.opt.linkaddr");
        Assert.Equal(2, answers.Count);
        var na = answers[0];
        Assert.Equal(("02:00:c0:00:02:0a", "02:00:c0:00:02:01", Node6, Gateway6, "255", "136", "0", "1"),
            (na["eth.src"], na["eth.dst"], na["ipv6.src"], na["ipv6.dst"], na["ipv6.hlim"], na["icmpv6.type"], na["icmpv6.code"], na["icmpv6.checksum.status"]));
        Assert.Equal(("1", "1", "1", Node6, "02:00:c0:00:02:0a"),
            (na["icmpv6.nd.na.flag.r"], na["icmpv6.nd.na.flag.s"], na["icmpv6.nd.na.flag.o"], na["icmpv6.nd.na.target_address"], na["icmpv6.opt.linkaddr"]));
        var dad = answers[1];
        Assert.Equal(("33:33:00:00:00:01", "ff02::1", "0", "1", "1"),
            (dad["eth.dst"], dad["ipv6.dst"], dad["icmpv6.nd.na.flag.s"], dad["icmpv6.nd.na.flag.o"], dad["icmpv6.checksum.status"]));
    }

    [Fact]
    public void An_unknown_IPv6_next_hop_is_solicited_once_and_learned_from_the_advertisement_and_from_solicitations()
    {
        var scenario = new Scenario("nd-resolution");
        scenario.Configuration.Neighbours.RemoveAll(n => n.Ip == Gateway6);
        const ulong PeerMac = 0x0200_c000_0202UL;
        var run = scenario
            .Send("kernel", Tcp6(Node6, Remote6, 40000, 443))                                       // via 2001:db8::1: unknown
            .Send("kernel", Tcp6(Node6, Remote6, 40001, 443))                                       // solicited a millisecond ago
            .Send("eth0", Nd(Advertisement, Gateway6, Node6, Gateway6, GatewayMac, TargetLinkLayer, Solicited | Override))
            .Send("kernel", Tcp6(Node6, Remote6, 40002, 443))                                       // now known
            .Send("eth0", Nd(Solicitation, "2001:db8::2", SolicitedNode(Node6), Node6, PeerMac, SourceLinkLayer))
            .Send("kernel", Tcp6(Node6, "2001:db8::2", 40003, 443))                                 // on-link, learned from its solicitation
            .Send("kernel", Nd(Solicitation, Node6, SolicitedNode(Remote6), Remote6, KernelMac, SourceLinkLayer))   // the kernel resolving: proxy answer
            .Send("kernel", Nd(Solicitation, "::", SolicitedNode(Node6), Node6, KernelMac))                          // the kernel's own DAD
            .Send("eth0", Nd(Advertisement, "2001:db8::3", "2001:db8::77", "2001:db8::3", PeerMac, TargetLinkLayer, Solicited))  // to someone else
            .Run();
        Assert.Equal(("dropped", "eth0", "neighbour-unresolved"), (run[0].Result, run[0].Egress, run[0].Reason));
        Assert.Equal(("dropped", null, "neighbour-unresolved"), (run[1].Result, run[1].Egress, run[1].Reason));
        Assert.Equal(("punted", "kernel"), (run[2].Result, run[2].Egress));
        Assert.Equal(("forwarded", "eth0"), (run[3].Result, run[3].Egress));
        Assert.Equal(("forwarded", "eth0", "nd-advertisement"), (run[4].Result, run[4].Egress, run[4].Reason));
        Assert.Equal(("forwarded", "eth0"), (run[5].Result, run[5].Egress));
        Assert.Equal(("forwarded", "kernel", "nd-advertisement"), (run[6].Result, run[6].Egress, run[6].Reason));
        Assert.Equal(("dropped", "nd-not-for-us"), (run[7].Result, run[7].Reason));
        Assert.Equal(("dropped", "nd-not-for-us"), (run[8].Result, run[8].Reason));
        run.MatchesExpected().ChecksumsVerified();
        var sent = Tshark.Packets(run.Pcap("eth0"), "eth.src", "eth.dst", "ipv6.src", "ipv6.dst", "ipv6.hlim", "icmpv6.type", "icmpv6.checksum.status",
            "icmpv6.nd.ns.target_address", "icmpv6.opt.linkaddr", "tcp.dstport");
        var ns = sent[0];
        Assert.Equal(("02:00:c0:00:02:0a", "33:33:ff:00:00:01", Node6, "ff02::1:ff00:1", "255", "135", "1", Gateway6, "02:00:c0:00:02:0a"),
            (ns["eth.src"], ns["eth.dst"], ns["ipv6.src"], ns["ipv6.dst"], ns["ipv6.hlim"], ns["icmpv6.type"], ns["icmpv6.checksum.status"],
             ns["icmpv6.nd.ns.target_address"], ns["icmpv6.opt.linkaddr"]));
        Assert.Equal(("02:00:c0:00:02:01", Remote6, "443"), (sent[1]["eth.dst"], sent[1]["ipv6.dst"], sent[1]["tcp.dstport"]));
        Assert.Equal(("02:00:c0:00:02:02", "2001:db8::2"), (sent[3]["eth.dst"], sent[3]["ipv6.dst"]));
        var proxy = Tshark.Packets(run.Pcap("kernel"), "eth.dst", "icmpv6.type", "icmpv6.nd.na.target_address", "icmpv6.opt.linkaddr", "icmpv6.checksum.status")
            .Single(p => p["icmpv6.nd.na.target_address"] == Remote6);
        Assert.Equal(("02:00:00:00:00:fe", Remote6, "02:00:c0:00:02:0a", "1"),
            (proxy["eth.dst"], proxy["icmpv6.nd.na.target_address"], proxy["icmpv6.opt.linkaddr"], proxy["icmpv6.checksum.status"]));
    }
}
