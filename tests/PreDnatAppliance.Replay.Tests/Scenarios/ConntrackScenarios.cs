using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>Connection tracking in the pipeline (calico-semantics §3.6, §5 return traffic, §8.1).</summary>
public sealed class ConntrackScenarios
{
    [Fact]
    public void An_accepted_flow_skips_policy_afterwards_and_its_replies_are_reverse_NATed()
    {
        var run = new Scenario("conntrack-local-flow") { ServicesYaml = ScenarioData.Services("local") }
            .Send("eth0", Tcp(Client, Node, 40000, 30080, SYN))
            .Send("pods", Tcp(LocalPod, Client, 8080, 40000, SYNACK))     // the backend answers the client directly (no SNAT)
            .Send("eth0", Tcp(Client, Node, 40000, 30080, ACK))
            .Send("eth0", Tcp(Client, Node, 40000, 30080, FIN | ACK))
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-nodeport) dnat:dnat(shop/web:http/TCP/IPv4) forward:skip", run[0].Trace);
        Assert.Equal("parse:ok conntrack:reply", run[1].Trace);
        Assert.Equal(("forwarded", "eth0", "203.0.113.5:40000", "192.0.2.10:30080"), (run[1].Result, run[1].Egress, run[1].NatDst, run[1].NatSrc));
        Assert.Equal("parse:ok conntrack:established", run[2].Trace);
        Assert.Equal(("forwarded", "pods", "10.244.1.5:8080"), (run[2].Result, run[2].Egress, run[2].NatDst));
        Assert.Equal("parse:ok conntrack:established", run[3].Trace);
        run.MatchesExpected().ChecksumsVerified();
        var back = Tshark.Packets(run.Pcap("eth0"), "eth.src", "eth.dst", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "tcp.flags.syn", "tcp.flags.ack");
        Assert.Equal(("02:00:c0:00:02:0a", "02:00:c0:00:02:01", "192.0.2.10", "203.0.113.5", "30080", "40000"),
            (back[0]["eth.src"], back[0]["eth.dst"], back[0]["ip.src"], back[0]["ip.dst"], back[0]["tcp.srcport"], back[0]["tcp.dstport"]));
    }

    [Fact]
    public void Replies_through_SNAT_are_un_SNATed_and_un_DNATed()
    {
        var run = new Scenario("conntrack-snat-flow") { ServicesYaml = ScenarioData.Services("remote") }
            .Send("eth0", Tcp(Client, Node, 40000, 30080, SYN))
            .Send("eth1", Tcp(RemotePod, NodeCluster, 8080, 40000, SYNACK))   // node2's pod answers the SNAT address
            .Send("eth0", Tcp(Client, Node, 40000, 30080, ACK))
            .Run();
        Assert.Equal(("eth1", "10.244.2.7:8080", "10.240.0.10:40000"), (run[0].Egress, run[0].NatDst, run[0].NatSrc));
        Assert.Equal("parse:ok conntrack:reply", run[1].Trace);
        Assert.Equal(("forwarded", "eth0", "203.0.113.5:40000", "192.0.2.10:30080"), (run[1].Result, run[1].Egress, run[1].NatDst, run[1].NatSrc));
        Assert.Equal(("eth1", "10.244.2.7:8080", "10.240.0.10:40000"), (run[2].Egress, run[2].NatDst, run[2].NatSrc));
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void ICMP_errors_about_a_NAT_d_flow_are_related_and_translated_outer_and_embedded()
    {
        var natted = Tcp(NodeCluster, RemotePod, 40000, 8080, SYN);        // the flow's packet as it left towards node2
        var replied = Tcp(Node, Client, 30080, 40000, SYNACK);               // a reply as the client received it
        var run = new Scenario("conntrack-related-icmp") { ServicesYaml = ScenarioData.Services("remote") }
            .Send("eth0", Tcp(Client, Node, 40000, 30080, SYN))
            .Send("eth1", IcmpError("10.240.0.11", NodeCluster, 3, 1, natted))  // node2: host unreachable, about the NAT'd packet
            .Send("eth0", IcmpError(Client, Node, 3, 3, replied))               // the client: port unreachable, about a reply
            .Send("eth1", IcmpError("10.240.0.11", NodeCluster, 3, 1, Tcp(NodeCluster, RemotePod, 49999, 8080)))  // about no flow
            .Run();
        Assert.Equal("parse:ok conntrack:related", run[1].Trace);
        Assert.Equal(("forwarded", "eth0", "203.0.113.5", "192.0.2.10"), (run[1].Result, run[1].Egress, run[1].NatDst, run[1].NatSrc));
        Assert.Equal("parse:ok conntrack:related", run[2].Trace);
        Assert.Equal(("forwarded", "eth1", "10.244.2.7", "10.240.0.10"), (run[2].Result, run[2].Egress, run[2].NatDst, run[2].NatSrc));
        Assert.Equal(("dropped", "conntrack-invalid", "parse:ok conntrack:invalid"), (run[3].Result, run[3].Reason, run[3].Trace));
        run.MatchesExpected().ChecksumsVerified();

        // Embedded headers: back to the flow's original tuple (to the client), the NAT'd one (to the backend).
        var toClient = Tshark.Packets(run.Pcap("eth0"), "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "ip.checksum.status", "icmp.checksum.status")[0];
        Assert.Equal(("192.0.2.10,203.0.113.5", "203.0.113.5,192.0.2.10", "40000", "30080", "1,1", "1"),
            (toClient["ip.src"], toClient["ip.dst"], toClient["tcp.srcport"], toClient["tcp.dstport"], toClient["ip.checksum.status"], toClient["icmp.checksum.status"]));
        var toBackend = Tshark.Packets(run.Pcap("eth1"), "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport", "icmp.checksum.status");
        var error = toBackend.Single(p => p["ip.src"].Contains(','));
        Assert.Equal(("10.240.0.10,10.244.2.7", "10.244.2.7,10.240.0.10", "8080", "40000", "1"),
            (error["ip.src"], error["ip.dst"], error["tcp.srcport"], error["tcp.dstport"], error["icmp.checksum.status"]));
    }

    [Fact]
    public void Denied_flows_leave_no_state_invalid_packets_drop_and_a_SYN_on_an_established_flow_is_evaluated_again()
    {
        var run = new Scenario("conntrack-states") { ServicesYaml = ScenarioData.Services("local") }
            .Send("eth0", Tcp(Client, Node, 41000, 30081, SYN))       // denied by pre-DNAT
            .Send("eth0", Tcp(Client, Node, 41000, 30081, ACK))       // no state: loose pickup makes it new, denied again
            .Send("eth0", Tcp(Client, Node, 41001, 30080, SYNACK))    // SYN-ACK of no flow: invalid
            .Send("eth0", Tcp(Client, Node, 41002, 30080, SYN))
            .Send("pods", Tcp(LocalPod, Client, 8080, 41002, SYNACK))
            .Send("eth0", Tcp(Client, Node, 41002, 30080, ACK))
            .Send("eth0", Tcp(Client, Node, 41002, 30080, SYN))       // a new SYN on the established flow
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:deny(drop-other-ingress)", run[0].Trace);
        Assert.Equal("parse:ok conntrack:new prednat:deny(drop-other-ingress)", run[1].Trace);
        Assert.Equal(("dropped", "conntrack-invalid"), (run[2].Result, run[2].Reason));
        Assert.Equal("parse:ok conntrack:reevaluate prednat:allow(allow-nodeport) dnat:dnat(shop/web:http/TCP/IPv4) forward:skip", run[6].Trace);
        Assert.Equal(("forwarded", "pods"), (run[6].Result, run[6].Egress));
        run.MatchesExpected();
    }

    [Fact]
    public void Removing_a_backend_purges_its_UDP_flows_once_the_old_table_retired()
    {
        var configuration = ApplianceConfiguration.Default();
        var bundle = PolicyBuild.Repository();
        var catalog = ServiceYamlLoader.Load(ScenarioData.Services("udp"), "udp.yaml");
        using var runtime = ApplianceRuntime.Create(configuration, bundle.Policy, bundle.CompileFor("node1"), catalog,
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, Trace = true, ConntrackHashSeed = Cli.ReplayCommand.HashSeed });
        using var engine = new ReplayEngine(runtime);
        var dir = Directory.CreateTempSubdirectory("prednat-purge").FullName;

        // Find client ports whose flows go to each backend, and open one flow to each.
        var frames = Enumerable.Range(0, 16).Select(i => Udp("10.240.0.99", NodeCluster, (ushort)(45000 + i), 30053)).ToArray();   // the cluster network may use it
        var first = Replay(engine, dir, "a", frames);
        var remote = first.Where(v => v.NatDst == "10.244.2.7:5353").Select(v => (int)v.Index).ToList();
        var local = first.Where(v => v.NatDst == "10.244.1.5:5353").Select(v => (int)v.Index).ToList();
        Assert.NotEmpty(remote);
        Assert.NotEmpty(local);
        FlowKey Flow(int i) => FlowKey.V4(Pkt.V4("10.240.0.99"), Pkt.V4(NodeCluster), 17, (ushort)(45000 + i), 30053);
        Assert.All(first, v => Assert.NotNull(runtime.Conntrack.Find(Flow((int)v.Index), out _)));

        // node2's endpoint goes away from the services file; the watcher loads it and swaps the table. Until every
        // worker passed a quiescent point the old table is not retired and nothing is purged (a worker could still be
        // deciding with it).
        var servicesFile = Path.Combine(dir, "services.yaml");
        File.WriteAllText(servicesFile, ScenarioData.Services("udp"));
        using var watcher = runtime.WatchServices(servicesFile);
        ServiceSwap? swap = null;
        watcher.Reloaded += s => swap = s;
        Assert.Equal(ReloadOutcome.Reloaded, watcher.ReloadNow());   // the same services: nothing removed
        Assert.Empty(swap!.RemovedBackends);
        File.WriteAllText(servicesFile, ScenarioData.Services("udp").Replace("  - addresses: [10.244.2.7]\n    conditions: {ready: true}\n    nodeName: node2\n", ""));
        Assert.Equal(ReloadOutcome.Reloaded, watcher.ReloadNow());
        Assert.Single(swap!.RemovedBackends);
        Assert.False(swap.IsRetired);
        Assert.Equal(0, runtime.PurgedUdpFlows);

        // The worker's next burst ends with a quiescent point: the swap retires, the remote backend's UDP flows go.
        var second = Replay(engine, dir, "b", frames);
        runtime.Services.ProcessRetirements();
        Assert.True(swap.IsRetired);
        Assert.Equal(remote.Count, runtime.PurgedUdpFlows);
        // The second round ran before the purge: tracked flows kept their backend. A third round re-decides them.
        Assert.All(remote, i => Assert.Equal("10.244.2.7:5353", second[i].NatDst));
        var third = Replay(engine, dir, "c", frames);
        Assert.All(remote, i => Assert.Equal(("parse:ok conntrack:new prednat:allow(allow-cluster-internal-ingress) dnat:dnat(shop/dns:dns/UDP/IPv4) forward:skip", "10.244.1.5:5353"), (third[i].Trace, third[i].NatDst)));
        Assert.All(local, i => Assert.Equal(("parse:ok conntrack:established", "10.244.1.5:5353"), (third[i].Trace, third[i].NatDst)));
    }

    private static IReadOnlyList<Verdict> Replay(ReplayEngine engine, string dir, string name, byte[][] frames)
    {
        var input = Path.Combine(dir, name + ".pcap");
        using (var w = PcapWriter.Create(input))
            for (var i = 0; i < frames.Length; i++)
                w.WritePacket(frames[i], 1_700_000_000_000_000_000 + name[0] * 1_000_000_000L + i * 1_000_000L);
        var outDir = Path.Combine(dir, "out-" + name);
        engine.Run(new[] { new ReplayInput(input, "eth1") }, outDir);
        return File.ReadAllLines(Path.Combine(outDir, ReplayEngine.VerdictsFile)).Select(Verdict.Parse).ToList();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void Replies_to_every_accepted_NodePort_flow_are_delivered_and_reverse_NATed(int seed)
    {
        // Random clients open flows to the NodePort (default services: a local and a remote backend); then each
        // backend answers the address it saw. Every answer must reach the client from the NodePort.
        var rng = new Random(seed);
        var clients = Enumerable.Range(0, 40).Select(_ => ($"{rng.Next(1, 224)}.{rng.Next(256)}.{rng.Next(256)}.{rng.Next(1, 255)}", (ushort)rng.Next(1024, 65536))).ToList();
        var open = new Scenario("property-replies-open");
        foreach (var (ip, port) in clients)
            open.Send("eth0", Tcp(ip, Node, port, 30080, SYN));
        var opened = open.Run();
        Assert.All(opened.Verdicts, v => Assert.Equal("forwarded", v.Result));

        var both = new Scenario("property-replies-both");
        foreach (var (ip, port) in clients)
            both.Send("eth0", Tcp(ip, Node, port, 30080, SYN));
        foreach (var (v, (ip, port)) in opened.Verdicts.Zip(clients))
        {
            var backend = v.NatDst!.Split(':');
            var seen = v.NatSrc!.Split(':');
            both.Send(v.Egress!, Tcp(backend[0], seen[0], ushort.Parse(backend[1]), ushort.Parse(seen[1]), SYNACK));
        }
        var run = both.Run();
        var replies = run.Verdicts.Skip(clients.Count).ToList();
        Assert.Equal(clients.Count, replies.Count);
        foreach (var (r, (ip, port)) in replies.Zip(clients))
        {
            Assert.Equal("parse:ok conntrack:reply", r.Trace);
            Assert.Equal(("forwarded", "eth0", $"{ip}:{port}", "192.0.2.10:30080"), (r.Result, r.Egress, r.NatDst, r.NatSrc));
        }
        run.ChecksumsVerified();
    }
}
