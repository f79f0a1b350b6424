using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Runtime.Counters;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>
/// The operators' pipeline counters (<see cref="ApplianceRuntime.Counters"/>) against the replay's own account of
/// every packet (verdicts.jsonl): per stage and verdict, per rule, per service port; and the same with tracing off.
/// </summary>
public sealed class PipelineCounterTests
{
    /// <summary>Every path the counters see: NodePort DNAT, REJECT (past the rate limit), Local drop, pre-DNAT deny,
    /// failsafes, host-bound, replies, workloads, ARP, parse drops, untracked allow and deny.</summary>
    internal static IReadOnlyList<(string Ingress, byte[] Frame)> Traffic()
    {
        var frames = new List<(string, byte[])>();
        for (var i = 0; i < 12; i++)
            frames.Add(("eth0", Tcp(Client, Node, (ushort)(50000 + i), 30080)));
        frames.AddRange(new[]
        {
            ("eth0", Tcp(Client, Node, 40001, 22)), ("eth0", Tcp(Client, Node, 40002, 9999)), ("eth0", Tcp(Client, Node, 40003, 30080, SYNACK)),
            ("eth0", Tcp("198.51.100.9", Node, 40004, 9100)), ("eth0", Tcp("198.51.100.9", Node, 40005, 23)),
            ("eth0", ArpRequest("192.0.2.1", 0x0200_c000_0201UL, Node)), ("eth0", ArpReply("192.0.2.1", 0x0200_c000_0201UL, Node, 0x0200_c000_020aUL)),
            ("eth0", new byte[] { 1, 2, 3 }),
            ("eth1", Tcp("10.240.0.99", NodeCluster, 40011, 30082)), ("eth1", Tcp("10.240.0.99", NodeCluster, 40012, 8443)),
            ("eth1", Tcp("10.240.0.99", "198.51.100.7", 40013, 443)), ("eth1", Tcp("10.240.0.99", "10.244.1.6", 40014, 5432)),
            ("eth1", Udp("10.240.0.99", NodeCluster, 40015, 30080)), ("eth1", Tcp("10.240.0.99", LocalPod, 40016, 8080)),
        });
        for (var i = 0; i < 12; i++)
            frames.Add(("pods", Tcp(LocalPod, Client, 8080, (ushort)(50000 + i), SYNACK)));
        // 60 REJECTs within 60 ms: the burst of 50 is spent and a few are suppressed.
        for (var i = 0; i < 60; i++)
            frames.Add(("eth1", Tcp("10.240.0.99", NodeCluster, (ushort)(41000 + i), 30081)));
        return frames;
    }

    public static TheoryData<string> PolicySets => new() { "@repo", "workloads", "untracked", "failsafe", "forward" };

    [Theory]
    [MemberData(nameof(PolicySets))]
    public void Counters_equal_what_verdicts_jsonl_reports(string set)
    {
        var scenario = new Scenario("counters-" + set.TrimStart('@')) { Policies = set == "@repo" ? PolicyBuild.Repository() : PolicyBuild.Scenario(set) };
        foreach (var (ingress, frame) in Traffic())
            scenario.Send(ingress, frame);
        var run = scenario.Run();
        var counters = run.Counters!;
        var steps = run.Verdicts.SelectMany(v => v.Stages).ToList();

        var expectedVerdicts = steps.GroupBy(s => (s.Stage, s.Verdict)).ToDictionary(g => g.Key, g => (ulong)g.Count());
        Assert.Equal(expectedVerdicts.OrderBy(k => k.Key).ToList(),
            counters.StageVerdicts.ToDictionary(c => (c.Stage, c.Verdict), c => c.Packets).OrderBy(k => k.Key).ToList());

        var expectedRules = steps.Where(s => s.Stage != "dnat" && s.RuleId is not null)
            .GroupBy(s => (s.Stage, s.RuleId!, s.Policy!, s.Source)).ToDictionary(g => g.Key, g => (ulong)g.Count());
        Assert.Equal(expectedRules.OrderBy(k => k.Key.Item1 + k.Key.Item2).ToList(),
            counters.RuleHits.ToDictionary(r => (r.Stage, r.RuleId, r.Owner, r.Source), r => r.Hits).OrderBy(k => k.Key.Item1 + k.Key.Item2).ToList());

        // "shop/web:http/TCP/IPv4": both families of a port count together.
        var expectedServices = steps.Where(s => s.Stage == "dnat").GroupBy(s => ServiceKey(s.Policy!))
            .ToDictionary(g => g.Key, g => ((ulong)g.Count(s => s.Verdict == "dnat"), (ulong)g.Count(s => s.Verdict != "dnat")));
        Assert.Equal(expectedServices.OrderBy(k => k.Key.ToString()).ToList(),
            counters.ServiceHits.ToDictionary(s => new ServiceCounterKey(s.Namespace, s.Name, s.PortName, s.Protocol), s => (s.Translations, s.NoBackend))
                .OrderBy(k => k.Key.ToString()).ToList());

        Assert.Equal((ulong)run.Verdicts.Count(v => v.Result == "rejected"), counters.IcmpRejectsSent);
        Assert.Equal((ulong)run.Verdicts.Count(v => v.Reason == "reject-rate-limited"), counters.IcmpRejectsSuppressed);
        Assert.Equal((ulong)run.Verdicts.Count(v => v.Result == "punted"), counters.PuntedToKernel);

        // The traffic reaches every kind of counter (else the equalities above prove little).
        Assert.True(counters.IcmpRejectsSent > 0 && counters.IcmpRejectsSuppressed > 0 && counters.PuntedToKernel > 0, counters.ToString());
        Assert.Contains(counters.ServiceHits, s => s.Translations > 0);
        Assert.Contains(counters.ServiceHits, s => s.NoBackend > 0);
        if (set == "@repo")
            Assert.Contains(counters.RuleHits, r => r.Owner == "failsafe");
        Assert.Contains(counters.StageVerdicts, v => v is { Stage: "parse", Verdict: "drop" });
        Assert.All(counters.RuleHits, r => Assert.Matches("^r[0-9a-f]{12}$", r.RuleId));
    }

    private static ServiceCounterKey ServiceKey(string id)
    {
        var slash = id.IndexOf('/');
        var colon = id.IndexOf(':');
        var parts = id[(colon + 1)..].Split('/');
        return new ServiceCounterKey(id[..slash], id[(slash + 1)..colon], parts[0], parts[1]);
    }

    [Fact]
    public void Counters_are_the_same_with_tracing_off()
    {
        var off = RunOffline(trace: false);
        var on = RunOffline(trace: true);
        Assert.Equal(on.StageVerdicts, off.StageVerdicts);
        Assert.Equal(on.RuleHits, off.RuleHits);
        Assert.Equal(on.ServiceHits, off.ServiceHits);
        Assert.Equal((on.IcmpRejectsSent, on.IcmpRejectsSuppressed, on.PuntedToKernel), (off.IcmpRejectsSent, off.IcmpRejectsSuppressed, off.PuntedToKernel));
        Assert.NotEmpty(off.RuleHits);
    }

    private static PipelineCountersSnapshot RunOffline(bool trace)
    {
        var bundle = PolicyBuild.Scenario("workloads");
        using var runtime = ApplianceRuntime.Create(ApplianceConfiguration.Default(), bundle.Policy, bundle.CompileFor("node1"),
            ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), "services.yaml"),
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, Trace = trace, ConntrackHashSeed = 7 });
        var clock = new SteppedClock();
        var worker = runtime.CreateWorker(OfflineRunner.CreateContext(runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList()), clock);
        using var runner = new OfflineRunner(worker.Stages);
        foreach (var (ingress, frame) in Traffic())
            runner.Push(frame, worker.PortId[runtime.PortIndexByName[ingress]]);
        runner.Flush();
        return runtime.Counters.ReadTotal();
    }

}
