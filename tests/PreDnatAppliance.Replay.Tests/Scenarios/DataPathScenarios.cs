using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>Parse drops, ARP, neighbours, TTL, the kernel port.</summary>
public sealed class DataPathScenarios
{
    private const ulong Gateway = 0x0200_c000_0201UL;

    [Fact]
    public void Malformed_frames_are_dropped_by_the_parse_stage_with_their_reason()
    {
        var truncated = Tcp(Client, Node, 40000, 30080)[..30];
        var badIhl = Tcp(Client, Node, 40001, 30080);
        badIhl[14] = 0x44;
        var run = new Scenario("parse-drops")
            .Send("eth0", new byte[] { 1, 2, 3 })
            .Send("eth0", truncated)
            .Send("eth0", badIhl)
            .Send("eth0", Pkt.Eth(0x88CC, new byte[46]))
            .Run();
        Assert.Equal(new[] { "truncated-ethernet", "truncated-ipv4", "ipv4-bad-ihl", "unsupported-ethertype" }, run.Verdicts.Select(v => v.Reason));
        Assert.All(run.Verdicts, v => Assert.Equal(("dropped", "parse:drop"), (v.Result, v.Trace)));
        run.MatchesExpected();
    }

    [Fact]
    public void ARP_for_a_node_address_is_answered_others_are_dropped_and_replies_are_learned_and_punted()
    {
        var scenario = new Scenario("arp");
        scenario.Configuration.Neighbours.RemoveAll(n => n.Ip == "10.240.0.11");   // node2 must be learned
        var run = scenario
            .Send("eth0", ArpRequest("192.0.2.1", Gateway, Node))
            .Send("eth0", ArpRequest("192.0.2.1", Gateway, "192.0.2.99"))
            .Send("eth1", ArpReply("10.240.0.11", 0x0200_0af0_000bUL, NodeCluster, 0x0200_0af0_000aUL))
            .Send("eth0", Tcp(Client, Node, 40000, 30080))
            .Run();
        Assert.Equal(("forwarded", "eth0", "arp-reply"), (run[0].Result, run[0].Egress, run[0].Reason));
        Assert.Equal(("dropped", "arp-not-for-us"), (run[1].Result, run[1].Reason));
        Assert.Equal(("punted", "kernel"), (run[2].Result, run[2].Egress));
        run.MatchesExpected();
        var reply = Tshark.Packets(run.Pcap("eth0"), "eth.src", "eth.dst", "arp.opcode", "arp.src.hw_mac", "arp.src.proto_ipv4", "arp.dst.hw_mac", "arp.dst.proto_ipv4");
        Assert.Equal(("02:00:c0:00:02:0a", "02:00:c0:00:02:01", "2", "02:00:c0:00:02:0a", "192.0.2.10", "02:00:c0:00:02:01", "192.0.2.1"),
            (reply[0]["eth.src"], reply[0]["eth.dst"], reply[0]["arp.opcode"], reply[0]["arp.src.hw_mac"], reply[0]["arp.src.proto_ipv4"], reply[0]["arp.dst.hw_mac"], reply[0]["arp.dst.proto_ipv4"]));
    }

    [Fact]
    public void An_unknown_next_hop_turns_the_packet_into_an_ARP_request_and_a_learned_one_is_used()
    {
        var scenario = new Scenario("neighbour-resolution") { ServicesYaml = ScenarioData.Services("remote") };
        scenario.Configuration.Neighbours.RemoveAll(n => n.Ip == "10.240.0.11");
        var run = scenario
            .Send("eth0", Tcp(Client, Node, 40000, 30080))                                      // next hop 10.240.0.11 unknown
            .Send("eth1", ArpReply("10.240.0.11", 0x0200_0af0_000bUL, NodeCluster, 0x0200_0af0_000aUL))
            .Send("eth0", Tcp(Client, Node, 40001, 30080))                                      // now known
            .Run();
        Assert.Equal(("dropped", "eth1", "neighbour-unresolved"), (run[0].Result, run[0].Egress, run[0].Reason));
        Assert.Equal(("forwarded", "eth1"), (run[2].Result, run[2].Egress));
        run.MatchesExpected().ChecksumsVerified();
        var sent = Tshark.Packets(run.Pcap("eth1"), "eth.dst", "arp.opcode", "arp.src.proto_ipv4", "arp.dst.proto_ipv4", "ip.dst");
        Assert.Equal(("ff:ff:ff:ff:ff:ff", "1", "10.240.0.10", "10.240.0.11"), (sent[0]["eth.dst"], sent[0]["arp.opcode"], sent[0]["arp.src.proto_ipv4"], sent[0]["arp.dst.proto_ipv4"]));
        Assert.Equal(("02:00:0a:f0:00:0b", "10.244.2.7"), (sent[1]["eth.dst"], sent[1]["ip.dst"]));
    }

    [Fact]
    public void ARP_requests_for_an_unknown_next_hop_go_out_at_most_once_a_second()
    {
        var scenario = new Scenario("arp-rate-limit") { ServicesYaml = ScenarioData.Services("remote") };
        scenario.Configuration.Neighbours.RemoveAll(n => n.Ip == "10.240.0.11");
        var run = scenario
            .Send("eth0", Tcp(Client, Node, 40000, 30080))          // next hop 10.240.0.11 unknown: ARP request
            .Send("eth0", Tcp(Client, Node, 40001, 30080))          // requested a millisecond ago: no second request
            .Wait(TimeSpan.FromSeconds(1.5))
            .Send("eth0", Tcp(Client, Node, 40002, 30080))          // still unknown a second later: asked again
            .Run();
        Assert.Equal(("dropped", "eth1", "neighbour-unresolved"), (run[0].Result, run[0].Egress, run[0].Reason));
        Assert.Equal(("dropped", null, "neighbour-unresolved"), (run[1].Result, run[1].Egress, run[1].Reason));
        Assert.Equal(("dropped", "eth1", "neighbour-unresolved"), (run[2].Result, run[2].Egress, run[2].Reason));
        run.MatchesExpected();
        var sent = Tshark.Packets(run.Pcap("eth1"), "arp.opcode", "arp.dst.proto_ipv4");
        Assert.Equal(2, sent.Count);
        Assert.All(sent, p => Assert.Equal(("1", "10.240.0.11"), (p["arp.opcode"], p["arp.dst.proto_ipv4"])));
    }

    [Fact]
    public void Forwarding_decrements_the_TTL_and_drops_at_one()
    {
        var ttl1 = Pkt.Eth(0x0800, Pkt.Ipv4(Pkt.V4(Client), Pkt.V4(Node), 6, Pkt.Tcp(40000, 30080), ttl: 1));
        var run = new Scenario("ttl") { ServicesYaml = ScenarioData.Services("local") }
            .Send("eth0", ttl1)
            .Run();
        Assert.Equal(("dropped", "ttl-exceeded"), (run[0].Result, run[0].Reason));
        run.MatchesExpected();
    }

    [Fact]
    public void Host_originated_packets_from_the_kernel_port_run_the_egress_host_endpoints_normal_egress_policy()
    {
        // policies/: allow-outbound-external allows every host egress on the host endpoints.
        var run = new Scenario("kernel-egress")
            .Send("kernel", Tcp(Node, "198.51.100.7", 40000, 443))
            .Send("kernel", ArpRequest(Node, 0x0200_0000_00feUL, "192.0.2.1"))
            .Run();
        Assert.Equal("parse:ok conntrack:new host:allow(allow-outbound-external)", run[0].Trace);
        Assert.Equal(("forwarded", "eth0"), (run[0].Result, run[0].Egress));
        Assert.Equal(("forwarded", "kernel", "arp-reply"), (run[1].Result, run[1].Egress, run[1].Reason));
        run.MatchesExpected().ChecksumsVerified();
        var ttl = Tshark.Packets(run.Pcap("eth0"), "ip.ttl");
        Assert.Equal("64", ttl[0]["ip.ttl"]);   // originated, not forwarded: TTL unchanged
    }
}
