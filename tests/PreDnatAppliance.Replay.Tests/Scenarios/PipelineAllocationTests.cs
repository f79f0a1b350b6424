using PreDnatAppliance.Tests.Shared;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>The composed pipeline as the data path runs it (no trace): nothing allocated per packet.</summary>
public sealed class PipelineAllocationTests
{
    private sealed class FixedClock : IPipelineClock
    {
        public long Value = 1_000_000_000;
        public long Now() => Value;
    }

    [Fact]
    public void The_whole_pipeline_allocates_nothing_per_packet()
    {
        var configuration = ApplianceConfiguration.Default();
        var bundle = PolicyBuild.Scenario("workloads");
        using var runtime = ApplianceRuntime.Create(configuration, bundle.Policy, bundle.CompileFor("node1"),
            ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), "services.yaml"),
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, ConntrackHashSeed = 7 });
        var clock = new FixedClock();
        var ports = runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList();
        var worker = runtime.CreateWorker(OfflineRunner.CreateContext(ports), clock);
        using var runner = new OfflineRunner(worker.Stages);

        // Every path: NodePort (DNAT local and remote with SNAT), replies, workload policy, pre-DNAT deny, failsafe,
        // REJECT, Local drop, host-bound, ARP, parse drops, forwarded, conntrack invalid.
        var eth0 = Enumerable.Range(0, 24).Select(i => Tcp(Client, Node, (ushort)(50000 + i), 30080)).Concat(new[]
        {
            Tcp(Client, Node, 40001, 22), Tcp(Client, Node, 40002, 9999), Tcp(Client, Node, 40003, 30080, SYNACK),
            ArpRequest("192.0.2.1", 0x0200_c000_0201UL, Node), new byte[] { 1, 2, 3 },
        }).ToArray();
        var eth1 = new[]
        {
            Tcp("10.240.0.99", NodeCluster, 40010, 30081), Tcp("10.240.0.99", NodeCluster, 40011, 30082),
            Tcp("10.240.0.99", NodeCluster, 40012, 8443), Tcp("10.240.0.99", "198.51.100.7", 40013, 443),
            Tcp("10.240.0.99", "10.244.1.6", 40014, 5432), Udp("10.240.0.99", NodeCluster, 40015, 30080),
        };
        var pods = Enumerable.Range(0, 24).Select(i => Tcp(LocalPod, Client, 8080, (ushort)(50000 + i), SYNACK)).ToArray();
        var eth1Replies = Enumerable.Range(0, 24).Select(i => Tcp(RemotePod, NodeCluster, 8080, (ushort)(50000 + i), SYNACK)).ToArray();

        var kept = 0L;
        var inputs = new[] { (eth0, 0), (eth1, 1), (pods, 2), (eth1Replies, 1) };
        void Round()
        {
            foreach (var (frames, port) in inputs)
            {
                foreach (var f in frames)
                    runner.Push(f, (ushort)port);
                runner.Flush();
            }
            clock.Value += 1_000_000;
            kept = runner.Totals.Kept;
        }
        for (var i = 0; i < 30; i++)
            Round();   // warm-up: tiering, statics, conntrack entries exist
        var allocated = Allocations.Settled(() =>
        {
            for (var i = 0; i < 200; i++)
                Round();
        });
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {200 * (eth0.Length + eth1.Length + pods.Length + eth1Replies.Length)} packets");
        Assert.True(kept > 0 && runner.Totals.Dropped > 0, runner.Totals.ToString());
    }

    [Fact]
    public void Each_program_runs_once_per_burst_whatever_mix_of_packets_needs_it()
    {
        var bundle = PolicyBuild.Scenario("workloads");
        using var runtime = ApplianceRuntime.Create(ApplianceConfiguration.Default(), bundle.Policy, bundle.CompileFor("node1"),
            ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), "services.yaml"),
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, ConntrackHashSeed = 7 });
        var ports = runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList();
        var worker = runtime.CreateWorker(OfflineRunner.CreateContext(ports), new FixedClock());
        using var runner = new OfflineRunner(worker.Stages);
        // One burst from the cluster side, alternating between two pods: pre-DNAT (one program for the burst), then
        // the two workloads' ingress programs.
        for (ushort i = 0; i < 20; i++)
            runner.Push(Tcp("10.240.0.99", i % 2 == 0 ? LocalPod : "10.244.1.6", (ushort)(43000 + i), i % 2 == 0 ? (ushort)8080 : (ushort)5432), 1);
        runner.Flush();
        Assert.Equal(20, runner.Totals.Kept);
        Assert.Equal(3, worker.Programs.Calls);
    }
}
