using System.Diagnostics;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Stages;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using PreDnatAppliance.TestSupport;

namespace PreDnatAppliance.Replay.Tests.Fuzz;

/// <summary>What became of the frames of a fuzz run: forwarded, punted, rejected, answered (ARP reply) or dropped by reason.</summary>
public sealed class FuzzVerdicts
{
    public long Frames;
    public long Forwarded;
    public long Punted;
    public long Rejected;
    public long ArpReplies;

    /// <summary>Packets turned into an ARP request for their unknown next hop (replay reports them as dropped, neighbour-unresolved).</summary>
    public long ArpRequests;
    public readonly long[] Drops = new long[DropReasons.Count];

    public long Dropped => Drops.Sum();
    public long Kept => Forwarded + Punted + Rejected + ArpReplies + ArpRequests;
    public long Accounted => Kept + Dropped;

    /// <summary>One line per outcome and drop reason (the histogram the tests print and docs/reliability.md quotes).</summary>
    public string Histogram()
    {
        var lines = new List<string>
        {
            $"  {"forwarded",-38} {Forwarded,12:N0}",
            $"  {"punted",-38} {Punted,12:N0}",
            $"  {"rejected (ICMP unreachable)",-38} {Rejected,12:N0}",
            $"  {"answered (ARP reply)",-38} {ArpReplies,12:N0}",
            $"  {"ARP request for next hop",-38} {ArpRequests,12:N0}",
        };
        for (var v = 0; v < Drops.Length; v++)
            if (Drops[v] != 0)
                lines.Add($"  {"dropped " + DropReasons.Name((DropReason)v),-38} {Drops[v],12:N0}");
        lines.Add($"  {"total",-38} {Accounted,12:N0} of {Frames:N0} frames");
        return string.Join("\n", lines);
    }
}

/// <summary>
/// One worker of the whole appliance (every stage, the embedded default configuration and services, the repository's
/// policies, trace on so each kept packet's outcome is known) over an <see cref="OfflineRunner"/>, with the parser's
/// bounds checks on (the Debug parser: a read outside the frame throws) and, with <c>guardPages</c>, every frame
/// ending at an inaccessible page so that a read past it by any stage faults. The burst clock is simulated: it moves
/// <see cref="FrameSpacing"/> per frame pushed (10 µs unless changed) and by <see cref="Wait"/>.
/// </summary>
public sealed class PipelineFuzzHarness : IDisposable
{

    private readonly ApplianceRuntime _runtime;
    private readonly WorkerContext _worker;
    private readonly OfflineRunner _runner;
    private readonly SimulatedClock _clock = new();
    private long _expectedIndex;

    public PipelineFuzzHarness(bool guardPages, ApplianceConfiguration? configuration = null, string? servicesYaml = null, bool fastPath = true, bool trace = true)
    {
        var policies = PolicyBuild.Repository();
        configuration ??= ApplianceConfiguration.Default();
        var services = ServiceYamlLoader.Load(servicesYaml ?? ApplianceConfiguration.DefaultServicesYaml(), "services.yaml");
        _runtime = ApplianceRuntime.Create(configuration, policies.Policy, policies.CompileFor(configuration.Node.Name), services,
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, Trace = trace, ParseBoundsChecks = true, ConntrackHashSeed = 7, FastPath = fastPath });
        var ports = _runtime.Ports.Select(p => new OfflinePort(p.Name, p.Role)).ToList();
        _worker = _runtime.CreateWorker(OfflineRunner.CreateContext(ports), _clock);
        _runner = new OfflineRunner(_worker.Stages.Append(new AlignmentCheck(_worker)).ToArray(), guardPages: guardPages);
        _runner.OnPacket = Account;
    }

    public ApplianceRuntime Runtime => _runtime;
    public WorkerContext Worker => _worker;

    /// <summary>Called first for each frame once its burst is through (the packet as the stages left it, valid during the call).</summary>
    public OfflinePacketHandler? ObservePacket { get; set; }
    public OfflineRunner Runner => _runner;
    public FuzzVerdicts Verdicts { get; } = new();

    /// <summary>Simulated nanoseconds between two frames pushed.</summary>
    public long FrameSpacing { get; set; } = 10_000;

    /// <summary>The simulated time (nanoseconds).</summary>
    public long Now => _clock.Now;

    /// <summary>Called for each frame once its burst is through: the frame's time, its outcome (None when dropped) and drop reason.</summary>
    public Action<long, PacketOutcome, DropReason>? Observe { get; set; }

    /// <summary>The first accounting error (a frame reported out of order, a kept packet without an outcome), or null.</summary>
    public string? Failure { get; private set; }

    public void Push(ReadOnlySpan<byte> frame, int portIndex)
    {
        _clock.Now += FrameSpacing;
        Verdicts.Frames++;
        _runner.Push(frame, _worker.PortId[portIndex], _clock.Now);
    }

    /// <summary>Advances the simulated clock without traffic.</summary>
    public void Wait(long nanoseconds) => _clock.Now += nanoseconds;

    public void Flush() => _runner.Flush();

    private void Account(in OfflinePacketResult r)
    {
        ObservePacket?.Invoke(in r);
        if (r.Index != _expectedIndex++)
            Failure ??= $"frame {r.Index} reported out of order (expected {_expectedIndex - 1})";
        if (!r.Kept)
        {
            Verdicts.Drops[(int)r.Reason]++;
            Observe?.Invoke(r.Tag, PacketOutcome.None, r.Reason);
            return;
        }
        var trace = _worker.Trace;
        var origin = trace?.OriginOf(r.Mbuf) ?? -1;
        var outcome = origin >= 0 ? trace!.Outcome[origin] : PacketOutcome.None;
        switch (outcome)
        {
            case PacketOutcome.Punted: Verdicts.Punted++; break;
            case PacketOutcome.Rejected: Verdicts.Rejected++; break;
            case PacketOutcome.ArpReply: Verdicts.ArpReplies++; break;
            case PacketOutcome.ArpRequest: Verdicts.ArpRequests++; break;
            default: Verdicts.Forwarded++; break;
        }
        Observe?.Invoke(r.Tag, outcome, DropReason.None);
        if (r.Egress == Burst.NoPort)
            Failure ??= $"frame {r.Index}: kept without an egress port ({outcome})";
    }

    public void Dispose()
    {
        _runner.Dispose();
        _runtime.Dispose();
    }

    private sealed class SimulatedClock : IPipelineClock
    {
        public long Now;
        long IPipelineClock.Now() => Now;
    }

    /// <summary>
    /// Last stage: the per-packet side arrays must still describe the burst's packets one for one (what the Debug-only
    /// assertion in <c>ParsedBurst.Compact</c> checks, here in every build).
    /// </summary>
    private sealed class AlignmentCheck(WorkerContext worker) : IBurstStage
    {
        public string Name => "alignment-check";

        public void Process(Burst burst)
        {
            if (worker.State.Parsed.Count != burst.Count)
                throw new InvalidOperationException($"parsed rows ({worker.State.Parsed.Count}) and burst ({burst.Count}) are out of step");
        }
    }
}

/// <summary>Runs <see cref="PipelineFuzzCorpus"/> frames through a <see cref="PipelineFuzzHarness"/>.</summary>
public static class PipelineFuzz
{
    public sealed record Result(FuzzVerdicts Verdicts, OfflineTotals Totals, Dataplane.Workers.CounterSnapshot Counters, int PoolCount,
        int PoolAvailable, TimeSpan Elapsed, string? Failure);

    public static Result Run(ulong seed, long count, bool guardPages)
    {
        var corpus = new PipelineFuzzCorpus(seed);
        using var harness = new PipelineFuzzHarness(guardPages);
        var buffer = new byte[PipelineFuzzCorpus.MaxFrame];
        var clock = Stopwatch.StartNew();
        long i = 0;
        try
        {
            for (; i < count; i++)
            {
                var length = corpus.Frame(i, buffer, out var port);
                harness.Push(buffer.AsSpan(0, length), port);
            }
            harness.Flush();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"seed {seed}: {e.GetType().Name} in the burst ending at frame {i} (guard pages {guardPages}): {e.Message}", e);
        }
        var elapsed = clock.Elapsed;
        var pool = harness.Runner.Pool;
        return new Result(harness.Verdicts, harness.Runner.Totals, harness.Runner.ReadCounters(), pool.Count, pool.Available, elapsed, harness.Failure);
    }
}
