using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Policy;
using static PreDnatAppliance.Benchmarks.PipelineFrames;

namespace PreDnatAppliance.Benchmarks;

/// <summary>
/// The whole packet pipeline offline: bursts of 32 frames from the uplink through one worker's stages (parse,
/// untracked, conntrack, failsafe, pre-DNAT, DNAT, routing, policy, commit, NAT, out) over the offline mbuf pool, with
/// the repository's policies/ (the built policy assembly), the embedded default configuration and a NodePort with one
/// local backend. Each invocation runs <see cref="Bursts"/> bursts; the reported time is per packet
/// (OperationsPerInvoke). Every row includes what the offline runner itself costs (copying each frame into an mbuf,
/// accounting); the baseline is the parse stage alone on the same frames, and <c>EmptyPipeline</c> (no stage) shows
/// the runner's share.
/// <list type="bullet">
/// <item><b>Established</b>: ACKs of 2048 NodePort flows set up beforehand (SYN, SYN-ACK, ACK): conntrack hit, stored
/// DNAT written, no policy.</item>
/// <item><b>NewFlows</b>: SYNs from 4096 sources to the NodePort: pre-DNAT policy, Maglev, DNAT, workload routing,
/// conntrack commit. The burst clock advances 2 s per burst, so a source's previous entry (SYN_SENT, 120 s) has expired
/// when it comes round again: every SYN is a new flow.</item>
/// <item><b>MixWithDrops</b>: per burst 16 established ACKs, 8 new SYNs, 6 pre-DNAT denied (port 9999), 2 malformed.</item>
/// </list>
/// Setup checks each workload once (kept and dropped counts, one conntrack insert per SYN) before anything is timed.
/// </summary>
[Config(typeof(InProcessConfig))]
[MedianColumn, MemoryDiagnoser]
public class PipelineBenchmarks
{
    /// <summary>In process, like <see cref="ClassifierBenchmarks"/>: the policy assembly is loaded from this project's output.</summary>
    private sealed class InProcessConfig : ManualConfig
    {
        public InProcessConfig() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
    }

    public const int Bursts = 64;
    public const int BurstSize = 32;
    public const int Packets = Bursts * BurstSize;

    private const ushort Uplink = 0, Pods = 2;   // port ids = configuration indexes (eth0, eth1, pods, kernel)
    private const ushort NodePort = 30080, BackendPort = 8080;

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
            clusterIPs: [10.96.10.20]
            ipFamilies: [IPv4]
            ports:
            - {name: http, protocol: TCP, port: 80, targetPort: 8080, nodePort: 30080}
        - apiVersion: discovery.k8s.io/v1
          kind: EndpointSlice
          metadata:
            name: web-1
            namespace: shop
            labels: {kubernetes.io/service-name: web}
          addressType: IPv4
          endpoints:
          - addresses: [10.244.1.5]
            conditions: {ready: true}
            nodeName: node1
          ports:
          - {name: http, port: 8080, protocol: TCP}
        """;

    /// <summary>One worker's pipeline (or part of it) with its own runtime, and the frames it is fed in turn.</summary>
    private sealed class Run : IDisposable
    {
        public required ApplianceRuntime Runtime { get; init; }
        public required OfflineRunner Runner { get; init; }
        public required SteppedClock Clock { get; init; }
        public required byte[][] Frames { get; init; }
        public long ClockStep { get; init; } = 1_000;
        public int Cursor;

        public void Bursts(int bursts)
        {
            var frames = Frames;
            for (var b = 0; b < bursts; b++)
            {
                for (var i = 0; i < BurstSize; i++)
                {
                    Runner.Push(frames[Cursor], Uplink);
                    Cursor = Cursor + 1 == frames.Length ? 0 : Cursor + 1;
                }
                Runner.Flush();
                Clock.Value += ClockStep;
            }
        }

        public void Dispose()
        {
            Runner.Dispose();
            Runtime.Dispose();
        }
    }

    private sealed class SteppedClock : IPipelineClock
    {
        public long Value = 1_000_000_000;
        public long Now() => Value;
    }

    private Run _empty = null!, _parse = null!, _established = null!, _newFlows = null!, _mix = null!;

    private static string RepositoryRoot { get; } =
        typeof(PipelineBenchmarks).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    private static readonly uint Node = V4("192.0.2.10"), Pod = V4("10.244.1.5");

    /// <summary>Client n: 198.18.0.0/15 (the benchmarking range), one source port each.</summary>
    private static (uint Address, ushort Port) Client(int n) => (V4("198.18.0.0") + (uint)(n >> 4), (ushort)(20000 + (n & 15)));

    [GlobalSetup]
    public void Setup()
    {
        var established = Enumerable.Range(0, 2048).Select(n => Client(n)).ToArray();
        var acks = established.Select(c => Tcp(c.Address, Node, c.Port, NodePort, Ack, 1001, 5001)).ToArray();
        var syns = Enumerable.Range(100_000, 4096).Select(n => Client(n)).Select(c => Tcp(c.Address, Node, c.Port, NodePort, Syn)).ToArray();

        _empty = Create(stages: 0, acks);
        _parse = Create(stages: 1, acks);
        _established = Create(stages: int.MaxValue, acks);
        OpenFlows(_established, established);
        _newFlows = Create(stages: int.MaxValue, syns, clockStep: 2_000_000_000);

        var denied = Enumerable.Range(0, 6).Select(n => Tcp(V4("203.0.113.9"), Node, (ushort)(40000 + n), 9999, Syn)).ToArray();
        var malformed = new[] { new byte[] { 1, 2, 3 }, acks[0][..30] };
        var mix = new List<byte[]>();
        for (var b = 0; b < 512; b++)
        {
            mix.AddRange(Enumerable.Range(0, 16).Select(k => acks[(b * 16 + k) % acks.Length]));
            mix.AddRange(Enumerable.Range(0, 8).Select(k => syns[(b * 8 + k) % syns.Length]));
            mix.AddRange(denied);
            mix.AddRange(malformed);
        }
        _mix = Create(stages: int.MaxValue, mix.ToArray(), clockStep: 2_000_000_000);
        OpenFlows(_mix, established);

        // The workloads must be what they claim: check them once (outside the timed runs).
        Expect(_established, kept: Packets, dropped: 0);
        Expect(_newFlows, kept: Packets, dropped: 0);
        Expect(_mix, kept: Bursts * 24, dropped: Bursts * 8);
        var inserted = _newFlows.Runtime.Conntrack.Stats.Inserted;
        _newFlows.Bursts(Bursts);
        if (_newFlows.Runtime.Conntrack.Stats.Inserted - inserted != Packets)
            throw new InvalidOperationException("NewFlows: not every SYN committed a new flow");
    }

    private static void Expect(Run run, long kept, long dropped)
    {
        var (keptBefore, droppedBefore) = (run.Runner.Totals.Kept, run.Runner.Totals.Dropped);
        run.Bursts(Bursts);
        var totals = run.Runner.Totals;
        if (totals.Kept - keptBefore != kept || totals.Dropped - droppedBefore != dropped)
            throw new InvalidOperationException($"unexpected totals ({totals}); expected {kept} more kept, {dropped} more dropped");
    }

    /// <summary>SYN, SYN-ACK from the backend, ACK: the flows are established (and DNAT'd) before the timed runs.</summary>
    private static void OpenFlows(Run run, (uint Address, ushort Port)[] clients)
    {
        foreach (var (direction, frames) in new (ushort, IEnumerable<byte[]>)[]
        {
            (Uplink, clients.Select(c => Tcp(c.Address, Node, c.Port, NodePort, Syn, 1000))),
            (Pods, clients.Select(c => Tcp(Pod, c.Address, BackendPort, c.Port, SynAck, 5000, 1001))),
            (Uplink, clients.Select(c => Tcp(c.Address, Node, c.Port, NodePort, Ack, 1001, 5001))),
        })
        {
            foreach (var f in frames)
                run.Runner.Push(f, direction);
            run.Runner.Flush();
        }
        if (run.Runner.Totals.Dropped != 0)
            throw new InvalidOperationException("setting up the established flows dropped packets: " + run.Runner.Totals);
    }

    private static Run Create(int stages, byte[][] frames, long clockStep = 1_000)
    {
        var policies = Path.Combine(RepositoryRoot, "policies");
        var set = PolicyProject.LoadTexts(Directory.EnumerateFiles(policies, "*.yaml").Order(StringComparer.Ordinal)
            .Select(f => ("policies/" + Path.GetFileName(f), File.ReadAllText(f))));
        var configuration = ApplianceConfiguration.Default();
        var runtime = ApplianceRuntime.Create(configuration, InMemoryPolicy.FromAssembly(typeof(PreDnatAppliance.Policies.Generated.CompiledPolicy).Assembly),
            PolicyProject.Compile(set, configuration.Node.Name), ServiceYamlLoader.Load(ServicesYaml, "services.yaml"),
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, ConntrackHashSeed = 7 });
        var clock = new SteppedClock();
        var ports = runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList();
        var worker = runtime.CreateWorker(OfflineRunner.CreateContext(ports), clock);
        var runner = new OfflineRunner(worker.Stages.Take(stages).ToArray(), BurstSize);
        return new Run { Runtime = runtime, Runner = runner, Clock = clock, Frames = frames, ClockStep = clockStep };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var run in new[] { _empty, _parse, _established, _newFlows, _mix })
            run?.Dispose();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Packets)]
    public void ParseOnly() => _parse.Bursts(Bursts);

    [Benchmark(OperationsPerInvoke = Packets)]
    public void EmptyPipeline() => _empty.Bursts(Bursts);

    [Benchmark(OperationsPerInvoke = Packets)]
    public void Established() => _established.Bursts(Bursts);

    [Benchmark(OperationsPerInvoke = Packets)]
    public void NewFlows() => _newFlows.Bursts(Bursts);

    [Benchmark(OperationsPerInvoke = Packets)]
    public void MixWithDrops() => _mix.Bursts(Bursts);
}
