using System.Collections.Concurrent;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Stages;
using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>
/// Live policy swap (<see cref="ApplianceRuntime.SwapPolicy"/>): two policy assemblies compiled in memory from the
/// repository's policies/, the second with a pre-DNAT policy denying the client's network. New flows follow the new
/// policy from the first burst after the swap; flows in conntrack keep flowing; counters of a rule both policies share
/// keep counting; retirement waits for every worker's quiescent point.
/// </summary>
public sealed class PolicySwapTests
{
    private const string DenyClient = """
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata:
          name: deny-blocked-client
        spec:
          order: 5
          preDNAT: true
          applyOnForward: true
          selector: has(host-endpoint)
          ingress:
            - action: Deny
              source:
                nets: [203.0.113.0/24]
        """;

    private const string OtherClient = "198.51.100.20";

    private static readonly Lazy<(PolicyBundle Allow, PolicyBundle Deny)> Bundles = new(() =>
    {
        var directory = Path.Combine(Paths.RepositoryRoot, "policies");
        var files = Directory.GetFiles(directory, "*.yaml").OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => ("policies/" + Path.GetFileName(f), File.ReadAllText(f))).ToList();
        return (PolicyBuild.Compile("swap-allow", files), PolicyBuild.Compile("swap-deny", files.Append(("policies/zz-deny-client.yaml", DenyClient)).ToList()));
    });

    private static ApplianceRuntime CreateRuntime(PolicyBundle bundle, bool trace) =>
        ApplianceRuntime.Create(ApplianceConfiguration.Default(), bundle.Policy, bundle.CompileFor("node1"),
            ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), "services.yaml"),
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, Trace = trace, ConntrackHashSeed = 7 });


    [Fact]
    public void New_flows_follow_the_new_policy_while_established_flows_keep_flowing()
    {
        var (allow, deny) = Bundles.Value;
        using var runtime = CreateRuntime(allow, trace: true);
        var worker = runtime.CreateWorker(OfflineRunner.CreateContext(runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList()), new SteppedClock());
        using var runner = new OfflineRunner(worker.Stages);
        var outcomes = new Dictionary<long, string>();
        var natOf = new Dictionary<long, Pipeline.Flows.FlowKey>();
        runner.OnPacket = (in OfflinePacketResult r) =>
        {
            var trace = worker.Trace!;
            var origin = trace.OriginOf(r.Mbuf);
            var steps = trace.Steps(origin).ToArray();
            if (trace.NatApplied[origin])
                natOf[r.Index] = trace.NatResult[origin];
            outcomes.Add(r.Index, (r.Kept ? "kept" : DropReasons.Name(r.Reason)) + " " + string.Join(" ", steps.Select(s => $"{PacketTrace.Name(s.Stage)}:{PacketTrace.Name(s.Verdict)}")));
        };
        var pushed = 0;
        long Send(string ingress, byte[] frame)
        {
            var index = runner.Push(frame, worker.PortId[runtime.PortIndexByName[ingress]]);
            runner.Flush();
            pushed++;
            return index;
        }
        var retired = new List<PolicySwap>();
        runtime.PolicyRetired += retired.Add;

        // Under the first policy: a handshake through NodePort 30080 (the backend, local or remote with SNAT, answers
        // the address it saw), a second client.
        var syn = Send("eth0", Tcp(Client, Node, 40000, 30080));
        var nat = natOf[syn];
        var backend = new ServiceAddress(nat.IpVersion, nat.DstHigh, nat.DstLow).ToString();
        var seenAs = new ServiceAddress(nat.IpVersion, nat.SrcHigh, nat.SrcLow).ToString();
        var backendPort = backend == LocalPod ? "pods" : "eth1";
        Send(backendPort, Tcp(backend, seenAs, nat.DestinationPort, nat.SourcePort, SYNACK));
        Send("eth0", Tcp(Client, Node, 40000, 30080, ACK));
        var otherBefore = Send("eth0", Tcp(OtherClient, Node, 40100, 30080));
        Assert.StartsWith("kept parse:ok conntrack:new prednat:allow dnat:dnat", outcomes[syn]);
        Assert.StartsWith("kept", outcomes[otherBefore]);
        var allowNodePort = RuleOf(runtime, "allow-nodeport");
        var before = runtime.Counters.ReadTotal();
        Assert.Equal(2UL, HitsOf(before, allowNodePort, "prednat"));

        // A policy assembly that does not match its policy directory is refused; the running policy stays.
        Assert.Throws<PolicyMismatchException>(() => runtime.SwapPolicy(allow.Policy, deny.CompileFor("node1"), TimeSpan.Zero));
        Assert.Equal(1, runtime.CurrentPolicy.Generation);

        // The worker is between bursts: it passes its quiescent point with the next one, so the swap does not wait here.
        var report = runtime.SwapPolicy(deny.Policy, deny.CompileFor("node1"), TimeSpan.Zero);
        Assert.Equal(2, report.Generation);
        Assert.Equal(allow.Policy.BuildInfo, report.Old);
        Assert.Equal(deny.Policy.BuildInfo, report.New);
        Assert.False(report.Retired);
        Assert.Same(runtime.CurrentPolicy, report.Swap.New);
        Assert.Empty(retired);

        var established = Send("eth0", Tcp(Client, Node, 40000, 30080, ACK));
        Assert.Equal(1, runtime.ProcessPolicyRetirements());
        Assert.Same(report.Swap, Assert.Single(retired));
        Assert.True(report.Swap.IsRetired);
        var newFlow = Send("eth0", Tcp(Client, Node, 40001, 30080));
        var otherAfter = Send("eth0", Tcp(OtherClient, Node, 40101, 30080));
        var reply = Send(backendPort, Tcp(backend, seenAs, nat.DestinationPort, nat.SourcePort, ACK));

        Assert.Equal("kept parse:ok conntrack:established", outcomes[established]);
        Assert.Equal("kept parse:ok conntrack:reply", outcomes[reply]);
        Assert.Equal("prednat-deny parse:ok conntrack:new prednat:deny", outcomes[newFlow]);
        Assert.StartsWith("kept parse:ok conntrack:new prednat:allow dnat:dnat", outcomes[otherAfter]);

        // Every packet accounted for exactly once.
        Assert.Equal(pushed, outcomes.Count);
        Assert.Equal(pushed, runner.Totals.Kept + runner.Totals.Dropped);

        // allow-nodeport is in both policies under one RuleId: its counter goes on from where it was.
        Assert.Equal(allowNodePort, RuleOf(runtime, "allow-nodeport"));
        var after = runtime.Counters.ReadTotal();
        Assert.Equal(3UL, HitsOf(after, allowNodePort, "prednat"));
        var denyRule = RuleOf(runtime, "deny-blocked-client");
        Assert.Equal(1UL, HitsOf(after, denyRule, "prednat"));
        Assert.Equal((ulong)pushed, after.StageVerdicts.Where(v => v.Stage == "parse").Aggregate(0UL, (a, v) => a + v.Packets));
    }

    private static string RuleOf(ApplianceRuntime runtime, string owner) =>
        runtime.CurrentPolicy.Model.Rules.Single(r => r.Owner == owner).RuleId;

    private static ulong HitsOf(Pipeline.Runtime.Counters.PipelineCountersSnapshot counters, string ruleId, string stage) =>
        counters.RuleHits.Where(r => r.RuleId == ruleId && r.Stage == stage).Aggregate(0UL, (a, r) => a + r.Hits);

    [Fact]
    public void Swaps_under_load_retire_only_after_every_worker_passed_a_quiescent_point()
    {
        var (allow, deny) = Bundles.Value;
        var compiled = new[] { (allow.Policy, allow.CompileFor("node1")), (deny.Policy, deny.CompileFor("node1")) };
        using var runtime = CreateRuntime(allow, trace: false);
        var context = OfflineRunner.CreateContext(runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList());

        // Generation -> retired: a worker holding a retired snapshot in the middle of a burst is the bug QSBR prevents.
        var retiredGenerations = new ConcurrentDictionary<long, bool>();
        var retirements = new ConcurrentBag<PolicySwap>();
        runtime.PolicyRetired += swap =>
        {
            retirements.Add(swap);
            retiredGenerations[swap.Old.Generation] = true;
        };
        var violations = new ConcurrentBag<string>();
        var seenGenerations = new ConcurrentDictionary<long, bool>();
        using var stop = new CancellationTokenSource();

        const int workers = 2;
        var pushed = new long[workers];
        var runners = new OfflineRunner[workers];
        var threads = new Thread[workers];
        var failures = new ConcurrentBag<Exception>();
        for (var k = 0; k < workers; k++)
        {
            var worker = runtime.CreateWorker(context, new SteppedClock());
            // The probe runs after every policy stage of the burst, while the worker still holds its snapshot.
            var probe = new ProbeStage(worker, retiredGenerations, violations, seenGenerations);
            var stages = worker.Stages.Take(worker.Stages.Length - 1).Append(probe).Append(worker.Stages[^1]).ToArray();
            var runner = runners[k] = new OfflineRunner(stages);
            // Each client SYN is a new flow (the deny policy can refuse it; repeats would be in conntrack already), mixed with
            // a few flows that both policies allow.
            var clientFrames = Enumerable.Range(0, 16384).Select(i => Tcp(Client, Node, (ushort)(1024 + k * 16384 + i), 30080)).ToArray();
            var otherFrames = Enumerable.Range(0, 16).Select(i => Tcp(OtherClient, Node, (ushort)(40000 + k * 100 + i), 30080)).ToArray();
            var index = k;
            threads[k] = new Thread(() =>
            {
                try
                {
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        runner.Push(clientFrames[i % clientFrames.Length], worker.PortId[0]);
                        runner.Push(otherFrames[i % otherFrames.Length], worker.PortId[0]);
                        pushed[index] += 2;
                    }
                    runner.Flush();
                    worker.GoIdle();
                }
                catch (Exception e)
                {
                    failures.Add(e);
                }
            }) { IsBackground = true, Name = "swap-worker-" + k };
        }
        foreach (var t in threads)
            t.Start();

        const int swaps = 60;
        var reports = new List<PolicySwapReport>();
        for (var s = 1; s <= swaps; s++)
        {
            var (policy, set) = compiled[s % 2];
            reports.Add(runtime.SwapPolicy(policy, set));
            Thread.Sleep(1);
        }
        stop.Cancel();
        foreach (var t in threads)
            Assert.True(t.Join(TimeSpan.FromSeconds(30)));

        Assert.Empty(failures);
        Assert.Empty(violations);
        Assert.All(reports, r => Assert.True(r.Retired));
        Assert.Equal(Enumerable.Range(2, swaps).Select(g => (long)g), reports.Select(r => r.Generation));
        Assert.Equal(swaps, retirements.Count);
        Assert.Equal(reports.Select(r => r.Swap).OrderBy(s => s.Epoch), retirements.OrderBy(s => s.Epoch));
        Assert.True(seenGenerations.Count > 2, $"the workers decided with {seenGenerations.Count} policy generations");

        // Every packet accounted for: kept or dropped with a reason, and both policies decided some.
        long kept = 0, dropped = 0;
        for (var k = 0; k < workers; k++)
        {
            Assert.Equal(pushed[k], runners[k].Totals.Packets);
            Assert.Equal(pushed[k], runners[k].Totals.Kept + runners[k].Totals.Dropped);
            kept += runners[k].Totals.Kept;
            dropped += runners[k].Totals.DropsOf(DropReason.PreDnatDeny);
            runners[k].Dispose();
        }
        Assert.True(kept > 0 && dropped > 0, $"kept {kept}, pre-DNAT denied {dropped}");
        var counters = runtime.Counters.ReadTotal();
        Assert.Equal((ulong)pushed.Sum(), counters.StageVerdicts.Where(v => v.Stage == "parse").Aggregate(0UL, (a, v) => a + v.Packets));
    }

    [Fact]
    public void Idle_workers_hold_up_no_policy_or_service_retirement()
    {
        var (allow, deny) = Bundles.Value;
        using var runtime = CreateRuntime(allow, trace: false);
        var context = OfflineRunner.CreateContext(runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList());
        var workers = Enumerable.Range(0, 2).Select(_ => runtime.CreateWorker(context, new SteppedClock())).ToArray();
        // Each worker decides one burst, then receives nothing more.
        for (var k = 0; k < workers.Length; k++)
        {
            using var runner = new OfflineRunner(workers[k].Stages);
            runner.Push(Tcp(OtherClient, Node, (ushort)(40000 + k), 30080), workers[k].PortId[0]);
            runner.Flush();
            Assert.Equal(1, runner.Totals.Kept);
        }

        // Without idle rounds a worker's last quiescent point is its last burst, before the swap: nothing retires.
        var held = runtime.SwapPolicy(deny.Policy, deny.CompileFor("node1"), TimeSpan.FromMilliseconds(50));
        Assert.False(held.Retired);

        // The hooks the DPDK poll loop calls on a round that received nothing (collected from the stages the same way).
        var hooks = workers.Select(w => new IdleHooks(w.Stages)).ToArray();
        Assert.All(hooks, h => Assert.False(h.IsEmpty));
        foreach (var h in hooks)
            h.Notify();
        Assert.Equal(1, runtime.ProcessPolicyRetirements());
        Assert.True(held.Swap.IsRetired);

        // Workers polling empty queues (on their own threads, as lcores would): swaps and reloads retire while no traffic flows.
        using var stop = new CancellationTokenSource();
        var polling = hooks.Select(h => new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                h.Notify();
                Thread.SpinWait(64);
            }
        }) { IsBackground = true }).ToArray();
        foreach (var t in polling)
            t.Start();
        var report = runtime.SwapPolicy(allow.Policy, allow.CompileFor("node1"), TimeSpan.FromSeconds(10));
        var reload = runtime.Services.Reload(runtime.Services.Current);
        var reloadRetired = runtime.Services.WaitForQuiescence(reload.Epoch, TimeSpan.FromSeconds(10));
        stop.Cancel();
        foreach (var t in polling)
            Assert.True(t.Join(TimeSpan.FromSeconds(10)));
        Assert.True(report.Retired);
        Assert.True(reloadRetired);
        Assert.True(reload.IsRetired);
    }

    private sealed class ProbeStage(WorkerContext worker, ConcurrentDictionary<long, bool> retired, ConcurrentBag<string> violations,
        ConcurrentDictionary<long, bool> seen) : IBurstStage
    {
        public string Name => "probe";

        public void Process(Burst burst)
        {
            var generation = worker.Policy!.Generation;
            seen.TryAdd(generation, true);
            // Hold the snapshot a while, so that a premature retirement (the control side polls every millisecond or
            // so) would be seen here.
            var start = System.Diagnostics.Stopwatch.GetTimestamp();
            while (System.Diagnostics.Stopwatch.GetElapsedTime(start) < TimeSpan.FromMicroseconds(200))
                Thread.SpinWait(10);
            if (retired.ContainsKey(generation))
                violations.Add($"a worker was deciding with generation {generation} after it retired");
        }
    }
}
