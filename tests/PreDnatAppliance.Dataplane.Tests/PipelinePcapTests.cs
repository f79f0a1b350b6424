using System.Text.Json;
using PreDnatAppliance.Cli;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using PreDnatAppliance.Replay.Tests.Infrastructure;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>
/// The full packet pipeline under DPDK (<c>prednat dataplane --appliance-config</c>): a scenario goes in through
/// net_pcap and comes out through net_pcap on every port, and each port's output holds exactly the packets and bytes
/// that <c>prednat replay</c> of the same input with the same configuration and services writes for that port. The
/// data path's counters agree with replay's verdicts (rx = tx + drops, drops per reason) and every mbuf is back.
/// </summary>
public class PipelinePcapTests
{
    private static readonly string[] Ports = { "eth0", "eth1", "pods", "kernel" };

    [Fact]
    public void Pcap_through_the_pipeline_under_dpdk_matches_offline_replay()
    {
        using var dir = new TestDirectory("pipeline");
        var inputs = Scenario();
        foreach (var (port, frames) in inputs)
            WritePcap(dir.File($"{port}-in.pcap"), frames, Array.IndexOf(Ports, port));
        var config = dir.File("appliance.json");
        var prefix = $"pda-t{Environment.ProcessId}-pipeline";
        File.WriteAllText(config, ApplianceJson(dir, prefix));
        File.WriteAllText(dir.File("services.yaml"), ServicesYaml);
        var received = inputs.Sum(i => i.Frames.Count);

        // Offline: the reference.
        var replayOut = dir.File("replay");
        var replayArgs = new List<string> { "replay", "--config", config, "--services", dir.File("services.yaml"), "--out-dir", replayOut };
        foreach (var (port, _) in inputs)
            replayArgs.AddRange(new[] { "--pcap", dir.File($"{port}-in.pcap"), "--ingress", port });
        var replayLog = new StringWriter();
        Assert.True(CommandDispatcher.Run(replayArgs.ToArray(), replayLog, replayLog) == 0, replayLog.ToString());
        var verdicts = File.ReadLines(Path.Combine(replayOut, ReplayEngine.VerdictsFile))
            .Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(received, verdicts.Count);

        // The scenario really is a mix: every kind of verdict the test is about occurs.
        string Result(JsonElement v) => v.GetProperty("result").GetString()!;
        string? Reason(JsonElement v) => v.GetProperty("reason").GetString();
        string? Egress(JsonElement v) => v.GetProperty("egress").GetString();
        Assert.Contains(verdicts, v => Result(v) == "forwarded" && Egress(v) == "pods");                 // NodePort DNAT'd
        Assert.Contains(verdicts, v => Result(v) == "forwarded" && Egress(v) == "eth0" && Reason(v) is null); // replies
        Assert.Contains(verdicts, v => Result(v) == "punted");                                          // failsafe SSH
        Assert.Contains(verdicts, v => Result(v) == "rejected");
        Assert.Contains(verdicts, v => Reason(v) == "arp-reply");
        Assert.Contains(verdicts, v => Reason(v) == "prednat-deny");
        Assert.Contains(verdicts, v => Reason(v) == "conntrack-invalid");
        Assert.Contains(verdicts, v => Reason(v) == "truncated-ethernet");
        Assert.Contains(verdicts, v => Reason(v) == "ipv4-bad-ihl");

        // Under DPDK.
        var report = dir.File("report.json");
        var args = new[]
        {
            Path.Combine(AppContext.BaseDirectory, "prednat.dll"), "dataplane", "--appliance-config", config,
            "--services", dir.File("services.yaml"), "--report", report, "--stop-after-rx", received.ToString(), "--duration", "60",
        };
        DataplaneReport dp;
        using (var child = new ChildProcess("dotnet", args, "prednat dataplane --appliance-config"))
        {
            try
            {
                Assert.True(child.WaitForExit(TimeSpan.FromSeconds(120)), $"prednat dataplane did not exit; output:\n{child.Output}");
                Assert.True(child.ExitCode == 0, $"prednat dataplane exited with {child.ExitCode}; output:\n{child.Output}");
                dp = DataplaneReport.FromJson(File.ReadAllText(report));
                Assert.Contains("pipeline: drops by reason:", child.Output);
            }
            finally
            {
                if (Directory.Exists($"/var/run/dpdk/{prefix}"))
                    Directory.Delete($"/var/run/dpdk/{prefix}", recursive: true);
            }
        }

        // Per egress port (the kernel port included): the same packets, bytes and order.
        foreach (var port in Ports)
        {
            var offline = Path.Combine(replayOut, port + ".pcap");
            var expected = File.Exists(offline) ? Pcap.Read(offline) : new List<byte[]>();
            var actual = Pcap.Read(dir.File($"{port}-out.pcap"));
            Assert.True(expected.Count == actual.Count, $"{port}: replay sent {expected.Count} packets, DPDK {actual.Count}");
            for (var i = 0; i < expected.Count; i++)
                Assert.True(expected[i].AsSpan().SequenceEqual(actual[i]), $"{port}: packet {i} differs from replay's");
        }

        // Counters: rx = tx + drops, and the same numbers as the verdicts.
        var t = dp.Total;
        Assert.Equal((ulong)received, t.RxPackets);
        Assert.Equal((ulong)verdicts.Count(v => Result(v) != "dropped"), t.TxPackets);
        Assert.Equal(t.RxPackets, t.TxPackets + t.DroppedPackets);
        var offlineDrops = verdicts.Where(v => Result(v) == "dropped").GroupBy(v => Reason(v)!).ToDictionary(g => g.Key, g => (ulong)g.Count());
        Assert.Equal(offlineDrops.OrderBy(kv => kv.Key), t.DropsByReason.OrderBy(kv => kv.Key));
        Assert.Equal((ulong)inputs.Single(i => i.Port == "eth0").Frames.Count, dp.Ports.Single(p => p.Info.Name == "eth0").Stats.RxPackets);
        Assert.All(dp.Workers, w => Assert.Equal(0UL, w.Counters.AllocatedBytes));
        Assert.Equal(dp.Mempool.Size, dp.Mempool.AvailableAfterClose);
        Assert.Equal(0u, dp.Mempool.InUseAfterClose);
    }

    /// <summary>
    /// Inputs per port. The data path polls eth0, eth1, pods, kernel in that order, one burst (≤ 32) each per round, so
    /// with at most 32 frames per port every eth0 frame is decided before the replies from pods and the kernel, as in
    /// replay (whose input times put the replies after eth0's frames).
    /// </summary>
    private static List<(string Port, List<byte[]> Frames)> Scenario()
    {
        const string sshClient = "203.0.113.8";
        var clients = new[] { ("203.0.113.5", (ushort)40000), ("203.0.113.6", (ushort)40001), ("198.51.100.7", (ushort)40002) };
        var eth0 = new List<byte[]>();
        foreach (var (ip, port) in clients)
            eth0.Add(Net.Tcp(ip, Net.Node, port, 30080));                     // allowed NodePort -> DNAT to the local pod
        eth0.Add(Net.Tcp(sshClient, Net.Node, 50000, 22));                   // failsafe SSH -> the kernel port
        eth0.Add(Net.Udp("203.0.113.7", Net.Node, 5353, 53));                // denied (pre-DNAT default deny)
        eth0.Add(Net.Tcp("203.0.113.66", Net.Node, 41000, 30081));          // denied: only 30080 is open to the world
        eth0.Add(Net.Tcp("10.240.0.50", Net.NodeCluster, 41001, 30081));    // cluster source, no endpoints: REJECT
        eth0.Add(Net.ArpRequest("192.0.2.1", 0x02_00_c0_00_02_01, Net.Node)); // ARP for the node: answered
        eth0.Add(new byte[10]);                                               // malformed: truncated Ethernet
        var badIhl = Net.Tcp("203.0.113.9", Net.Node, 40100, 30080);
        badIhl[14] = 0x44;                                                    // malformed: IHL 4
        eth0.Add(badIhl);
        eth0.Add(Pkt.Eth(0x0800, Pkt.Ipv4(Pkt.V4("203.0.113.9"), Pkt.V4(Net.Node), 6, new byte[10])));  // truncated TCP
        eth0.Add(Net.Tcp(clients[0].Item1, Net.Node, clients[0].Item2, 30080, Net.ACK)); // the first flow goes on

        var pods = clients.Select(c => Net.Tcp(Net.LocalPod, c.Item1, 8080, c.Item2, Net.SYNACK)).ToList(); // replies
        pods.Add(Net.Tcp(Net.LocalPod, "203.0.113.99", 8080, 45000, Net.SYNACK));                            // reply to nothing
        var kernel = new List<byte[]> { Net.Tcp(Net.Node, sshClient, 22, 50000, Net.SYNACK) };               // the host answers SSH
        return new() { ("eth0", eth0), ("pods", pods), ("kernel", kernel) };
    }

    /// <summary>Input times: port by port (eth0 first), 1 µs apart (one replay burst per port, as under DPDK), so replay merges them in the data path's poll order.</summary>
    private static void WritePcap(string path, List<byte[]> frames, int portOrder)
    {
        using var writer = PcapWriter.Create(path);
        for (var i = 0; i < frames.Count; i++)
            writer.WritePacket(frames[i], 1_700_000_000L * 1_000_000_000 + portOrder * 1_000_000L + i * 1_000L);
    }

    private static string ApplianceJson(TestDirectory dir, string prefix) => $$"""
        {
          "node": { "name": "node1", "addresses": ["192.0.2.10", "10.240.0.10", "10.244.1.1"] },
          "dataplane": {
            "mainLcore": 0, "workerLcores": [1],
            "ports": [
              { "name": "eth0", "vdev": "net_pcap0,rx_pcap={{dir.File("eth0-in.pcap")}},tx_pcap={{dir.File("eth0-out.pcap")}}",
                "role": "host-endpoint", "mac": "02:00:c0:00:02:0a", "addresses": ["192.0.2.10/24"] },
              { "name": "eth1", "vdev": "net_pcap1,tx_pcap={{dir.File("eth1-out.pcap")}}",
                "role": "host-endpoint", "mac": "02:00:0a:f0:00:0a", "addresses": ["10.240.0.10/16"] },
              { "name": "pods", "vdev": "net_pcap2,rx_pcap={{dir.File("pods-in.pcap")}},tx_pcap={{dir.File("pods-out.pcap")}}",
                "role": "workload-endpoint", "mac": "02:00:0a:f4:01:01", "addresses": ["10.244.1.1/24"] },
              { "name": "kernel", "vdev": "net_pcap3,rx_pcap={{dir.File("kernel-in.pcap")}},tx_pcap={{dir.File("kernel-out.pcap")}}",
                "role": "kernel", "mac": "02:00:00:00:00:fe" }
            ],
            "memory": { "noHuge": true, "memoryMb": 512, "filePrefix": "{{prefix}}" },
            "mempool": { "size": 16383, "cacheSize": 250 },
            "burstSize": 32
          },
          "routes": [ { "prefix": "0.0.0.0/0", "port": "eth0", "via": "192.0.2.1" } ],
          "neighbours": [
            { "ip": "192.0.2.1", "mac": "02:00:c0:00:02:01" },
            { "ip": "10.244.1.5", "mac": "02:00:0a:f4:01:05" }
          ],
          "nat": { "snatIPv4": "10.240.0.10" },
          "conntrack": { "capacity": 4096 },
          "kernelPort": "kernel"
        }
        """;

    /// <summary>shop/web (NodePort 30080) with its one endpoint on this node; shop/empty (30081) without endpoints.</summary>
    private const string ServicesYaml = """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: v1
          kind: Service
          metadata: {name: web, namespace: shop}
          spec:
            type: NodePort
            clusterIP: 10.96.10.20
            ipFamilies: [IPv4]
            ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}]
        - apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
          addressType: IPv4
          endpoints:
          - addresses: [10.244.1.5]
            conditions: {ready: true, serving: true, terminating: false}
            nodeName: node1
          ports: [{name: http, port: 8080, protocol: TCP}]
        - apiVersion: v1
          kind: Service
          metadata: {name: empty, namespace: shop}
          spec:
            type: NodePort
            clusterIP: 10.96.10.21
            ipFamilies: [IPv4]
            ports: [{name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30081}]
        """;
}
