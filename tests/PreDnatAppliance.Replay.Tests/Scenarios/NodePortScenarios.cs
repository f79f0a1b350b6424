using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>The NodePort rules (calico-semantics §5) on the repository's policies/ and the embedded services.</summary>
public sealed class NodePortScenarios
{
    [Fact]
    public void An_allowed_NodePort_is_DNATed_to_a_local_backend_keeping_the_client_address()
    {
        var run = new Scenario("nodeport-local") { ServicesYaml = ScenarioData.Services("local") }
            .Send("eth0", Tcp(Client, Node, 40000, 30080))
            .Run();
        var v = run[0];
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-nodeport) dnat:dnat(shop/web:http/TCP/IPv4) forward:skip", v.Trace);
        Assert.Equal(("forwarded", "pods", "10.244.1.5:8080", "203.0.113.5:40000"), (v.Result, v.Egress, v.NatDst, v.NatSrc));
        Assert.Equal("raeaf4e2cdfd9", v.StageOf("prednat")!.RuleId);
        Assert.Equal("policies/nodeport-protection.yaml:27", v.StageOf("prednat")!.Source);
        run.MatchesExpected().ChecksumsVerified();
        var p = Tshark.Packets(run.Pcap("pods"), "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags.syn");
        Assert.Equal(("203.0.113.5", "10.244.1.5", "40000", "8080"), (p[0]["ip.src"], p[0]["ip.dst"], p[0]["tcp.srcport"], p[0]["tcp.dstport"]));
    }

    [Fact]
    public void A_NodePort_denied_by_pre_DNAT_policy_never_reaches_the_service()
    {
        // 30081 has no endpoints (REJECT), but pre-DNAT denies first: nothing tells the client the port exists.
        var run = new Scenario("nodeport-denied")
            .Send("eth0", Tcp(Client, Node, 40000, 30081))
            .Send("eth0", Tcp(Client, Node, 40001, 30082))
            .Run();
        Assert.All(run.Verdicts, v => Assert.Equal(("dropped", "prednat-deny", "parse:ok conntrack:new prednat:deny(drop-other-ingress)"), (v.Result, v.Reason, v.Trace)));
        Assert.Empty(run.OutputPcaps);
        run.MatchesExpected();
    }

    [Fact]
    public void A_service_without_endpoints_is_rejected_with_ICMP_port_unreachable()
    {
        var run = new Scenario("nodeport-reject")
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40000, 30081))
            .Send("eth1", Udp("10.240.0.98", "10.96.10.21", 40001, 80))    // not a frontend (TCP only): routed, not rejected
            .Run();
        Assert.Equal(("rejected", "eth1", "service-no-endpoints"), (run[0].Result, run[0].Egress, run[0].Reason));
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-cluster-internal-ingress) dnat:reject(shop/empty:http/TCP/IPv4)", run[0].Trace);
        run.MatchesExpected().ChecksumsVerified();

        // The answer: from the node to the client, type 3 code 3, carrying the original IP header and TCP ports.
        var icmp = Tshark.Packets(run.Pcap("eth1"), "eth.src", "eth.dst", "ip.src", "ip.dst", "ip.proto", "icmp.type", "icmp.code",
            "tcp.srcport", "tcp.dstport", "ip.checksum.status", "icmp.checksum.status", "ip.len");
        Assert.Single(icmp);
        var a = icmp[0];
        Assert.Equal(("02:00:0a:f0:00:0a", "02:00:00:00:00:02"), (a["eth.src"], a["eth.dst"]));
        Assert.Equal("10.240.0.10,10.240.0.99", a["ip.src"]);    // outer source: the NodePort's address; embedded: the client
        Assert.Equal("10.240.0.99,10.240.0.10", a["ip.dst"]);
        Assert.Equal(("3", "3", "40000", "30081"), (a["icmp.type"], a["icmp.code"], a["tcp.srcport"], a["tcp.dstport"]));
        Assert.Equal(("1,1", "1"), (a["ip.checksum.status"], a["icmp.checksum.status"]));
        Assert.Equal("68,40", a["ip.len"]);
    }

    [Fact]
    public void ICMP_rejects_are_rate_limited()
    {
        var scenario = new Scenario("nodeport-reject-rate");
        scenario.Configuration.Icmp.RejectBurst = 2;
        scenario.Configuration.Icmp.RejectRatePerSecond = 1;
        for (ushort i = 0; i < 4; i++)
            scenario.Send("eth1", Tcp("10.240.0.99", NodeCluster, (ushort)(41000 + i), 30081));
        scenario.Wait(TimeSpan.FromSeconds(2)).Send("eth1", Tcp("10.240.0.99", NodeCluster, 41010, 30081));
        var run = scenario.Run();
        Assert.Equal(new[] { "rejected", "rejected", "dropped", "dropped", "rejected" }, run.Verdicts.Select(v => v.Result));
        Assert.Equal("reject-rate-limited", run[2].Reason);
        run.MatchesExpected();
    }

    [Fact]
    public void Traffic_policy_Local_without_a_local_endpoint_is_dropped()
    {
        var run = new Scenario("nodeport-local-policy-drop")
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40000, 30082))
            .Run();
        Assert.Equal(("dropped", "service-no-local-endpoints"), (run[0].Result, run[0].Reason));
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-cluster-internal-ingress) dnat:drop(shop/local-only:http/TCP/IPv4)", run[0].Trace);
        run.MatchesExpected();
    }

    [Fact]
    public void Traffic_policy_Cluster_to_a_remote_backend_is_SNATed_to_the_node()
    {
        var run = new Scenario("nodeport-remote-snat") { ServicesYaml = ScenarioData.Services("remote") }
            .Send("eth0", Tcp(Client, Node, 40000, 30080))
            .Run();
        var v = run[0];
        Assert.Equal(("forwarded", "eth1", "10.244.2.7:8080", "10.240.0.10:40000"), (v.Result, v.Egress, v.NatDst, v.NatSrc));
        // Normal policy sees the post-DNAT destination and the pre-SNAT source (SNAT is POSTROUTING): the egress
        // HEP's forward program runs on 203.0.113.5 -> 10.244.2.7:8080 and allows (no applyOnForward policy).
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-nodeport) dnat:dnat(shop/web:http/TCP/IPv4) forward:skip forward:allow(forward)", v.Trace);
        run.MatchesExpected().ChecksumsVerified();
        var p = Tshark.Packets(run.Pcap("eth1"), "eth.dst", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport");
        Assert.Equal(("02:00:0a:f0:00:0b", "10.240.0.10", "10.244.2.7", "40000", "8080"),
            (p[0]["eth.dst"], p[0]["ip.src"], p[0]["ip.dst"], p[0]["tcp.srcport"], p[0]["tcp.dstport"]));
    }

    [Fact]
    public void Maglev_spreads_flows_over_local_and_remote_backends_and_only_remote_ones_are_SNATed()
    {
        var scenario = new Scenario("nodeport-cluster-mixed");
        for (ushort i = 0; i < 12; i++)
            scenario.Send("eth0", Tcp(Client, Node, (ushort)(50000 + i), 30080));
        var run = scenario.Run();
        var local = run.Verdicts.Where(v => v.Egress == "pods").ToList();
        var remote = run.Verdicts.Where(v => v.Egress == "eth1").ToList();
        Assert.Equal(12, local.Count + remote.Count);
        Assert.NotEmpty(local);
        Assert.NotEmpty(remote);
        Assert.All(local, v => Assert.Equal(("10.244.1.5:8080", "203.0.113.5"), (v.NatDst, v.NatSrc![..^6])));
        Assert.All(remote, v => Assert.Equal(("10.244.2.7:8080", "10.240.0.10"), (v.NatDst, v.NatSrc![..^6])));
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void TCP_and_UDP_on_the_same_port_are_separate_frontends()
    {
        // UDP 30080 is no frontend: host-bound, allowed in pre-DNAT (cluster network), punted to the kernel.
        var run = new Scenario("nodeport-udp-not-tcp")
            .Send("eth1", Udp("10.240.0.99", NodeCluster, 40000, 30080))
            .Run();
        Assert.Equal(("punted", "parse:ok conntrack:new prednat:allow(allow-cluster-internal-ingress) host:skip"), (run[0].Result, run[0].Trace));
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void ClientIP_affinity_keeps_each_client_on_one_backend()
    {
        var scenario = new Scenario("nodeport-affinity") { ServicesYaml = ScenarioData.Services("affinity") };
        foreach (var n in new[] { "10.244.1.6", "10.244.1.7", "10.244.1.8" })
            scenario.Configuration.Neighbours.Add(new Pipeline.Configuration.NeighbourOptions { Ip = n, Mac = "02:00:0a:f4:01:0" + n[^1] });
        var clients = Enumerable.Range(1, 8).Select(i => $"198.51.100.{i}").ToList();
        foreach (var c in clients)
            for (ushort p = 0; p < 6; p++)
                scenario.Send("eth0", Tcp(c, Node, (ushort)(42000 + p), 30080));
        var run = scenario.Run();
        var backendOf = run.Verdicts.GroupBy(v => v.Index / 6).Select(g => g.Select(v => v.NatDst).Distinct().ToList()).ToList();
        Assert.All(backendOf, b => Assert.Single(b));                     // every connection of a client: one backend
        Assert.True(backendOf.Select(b => b[0]).Distinct().Count() > 1);  // clients spread over backends
        run.MatchesExpected().ChecksumsVerified();
    }
}
