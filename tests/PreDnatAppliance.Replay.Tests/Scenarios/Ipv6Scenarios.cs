using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>IPv6 NodePorts: DNAT and reverse NAT (TCP checksums over the IPv6 pseudo-header), ICMPv6 port unreachable.</summary>
public sealed class Ipv6Scenarios
{
    private const string Client6 = "2001:db8:ffff::5", Node6 = "2001:db8::10", Pod6 = "fd00:244:1::5";

    private static Scenario WithIpv6Pods(string name, string services)
    {
        var s = new Scenario(name) { ServicesYaml = ScenarioData.Services(services) };
        s.Configuration.Dataplane.Ports.Single(p => p.Name == "pods").Addresses.Add("fd00:244:1::1/64");
        s.Configuration.Neighbours.Add(new NeighbourOptions { Ip = Pod6, Mac = "02:00:0a:f4:01:05" });
        return s;
    }

    [Fact]
    public void An_IPv6_NodePort_is_DNATed_and_its_replies_reverse_NATed()
    {
        var run = WithIpv6Pods("ipv6-nodeport", "ipv6")
            .Send("eth0", Tcp6(Client6, Node6, 40000, 30080, SYN))
            .Send("pods", Tcp6(Pod6, Client6, 8080, 40000, SYNACK))
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-nodeport) dnat:dnat(shop/web6:http/TCP/IPv6) forward:skip", run[0].Trace);
        Assert.Equal(("forwarded", "pods", "[fd00:244:1::5]:8080"), (run[0].Result, run[0].Egress, run[0].NatDst));
        Assert.Equal(("forwarded", "eth0", "[2001:db8:ffff::5]:40000", "[2001:db8::10]:30080"), (run[1].Result, run[1].Egress, run[1].NatDst, run[1].NatSrc));
        run.MatchesExpected().ChecksumsVerified();
        var p = Tshark.Packets(run.Pcap("pods"), "ipv6.dst", "ipv6.hlim", "tcp.dstport", "tcp.checksum.status")[0];
        Assert.Equal(("fd00:244:1::5", "63", "8080", "1"), (p["ipv6.dst"], p["ipv6.hlim"], p["tcp.dstport"], p["tcp.checksum.status"]));
    }

    [Fact]
    public void An_IPv6_service_without_endpoints_is_rejected_with_ICMPv6_port_unreachable()
    {
        var run = WithIpv6Pods("ipv6-reject", "ipv6-empty")
            .Send("eth0", Tcp6(Client6, Node6, 40000, 30080, SYN))
            .Run();
        Assert.Equal(("rejected", "eth0"), (run[0].Result, run[0].Egress));
        run.MatchesExpected().ChecksumsVerified();
        var a = Tshark.Packets(run.Pcap("eth0"), "ipv6.src", "ipv6.dst", "icmpv6.type", "icmpv6.code", "icmpv6.checksum.status", "tcp.srcport", "tcp.dstport")[0];
        Assert.Equal(("2001:db8::10,2001:db8:ffff::5", "2001:db8:ffff::5,2001:db8::10", "1", "4", "1", "40000", "30080"),
            (a["ipv6.src"], a["ipv6.dst"], a["icmpv6.type"], a["icmpv6.code"], a["icmpv6.checksum.status"], a["tcp.srcport"], a["tcp.dstport"]));
    }
}
