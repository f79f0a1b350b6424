using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>The stage names of a trace (and of verdicts.jsonl).</summary>
public enum TraceStage : byte
{
    Parse,
    Untracked,
    Conntrack,
    Failsafe,
    PreDnat,
    Dnat,
    Workload,
    Host,
    Forward,
}

public enum TraceVerdict : byte
{
    Ok,
    Drop,
    New,
    Established,
    Reply,
    Related,
    Invalid,
    ReEvaluate,
    Allow,
    Deny,
    Pass,
    Skip,
    Dnat,
    Reverse,
    Reject,
}

/// <summary>One step of a packet's trace: which stage, what it decided, and the rule (or service port) that decided.</summary>
public readonly record struct TraceStep(TraceStage Stage, TraceVerdict Verdict, uint Rule);

/// <summary>
/// Per-packet record of what each stage did, indexed by the packet's position in the burst <b>as received</b>
/// (<see cref="PacketState.Origin"/>), so it survives compaction and covers dropped packets too. Only replay and
/// tests turn it on; the data path runs without it. Fixed arrays, nothing allocated per packet.
/// </summary>
public sealed class PacketTrace
{
    public const int MaxSteps = 12;
    public const int Capacity = PacketState.Capacity;

    private readonly TraceStep[] _steps = new TraceStep[Capacity * MaxSteps];
    private readonly byte[] _count = new byte[Capacity];

    /// <summary>The mbufs of the burst as received, to find a packet's row from its mbuf afterwards.</summary>
    public readonly nint[] RxMbufs = new nint[Capacity];
    public int RxCount;

    public readonly PacketOutcome[] Outcome = new PacketOutcome[Capacity];

    /// <summary>The packet's tuple after NAT (when <see cref="NatApplied"/>).</summary>
    public readonly FlowKey[] NatResult = new FlowKey[Capacity];
    public readonly bool[] NatApplied = new bool[Capacity];

    /// <summary>Clears every row for a new burst.</summary>
    public unsafe void Begin(nint* mbufs, int count)
    {
        RxCount = count;
        for (var i = 0; i < count; i++)
            RxMbufs[i] = mbufs[i];
        Array.Clear(_count, 0, count);
        Array.Clear(Outcome, 0, count);
        Array.Clear(NatApplied, 0, count);
    }

    public void Add(int origin, TraceStage stage, TraceVerdict verdict, uint rule = PolicyRules.NoRule)
    {
        var n = _count[origin];
        if (n == MaxSteps)
            return;
        _steps[origin * MaxSteps + n] = new TraceStep(stage, verdict, rule);
        _count[origin] = (byte)(n + 1);
    }

    public ReadOnlySpan<TraceStep> Steps(int origin) => new(_steps, origin * MaxSteps, _count[origin]);

    /// <summary>The received position of <paramref name="mbuf"/> in the current burst, or -1.</summary>
    public int OriginOf(nint mbuf)
    {
        for (var i = 0; i < RxCount; i++)
            if (RxMbufs[i] == mbuf)
                return i;
        return -1;
    }

    public static string Name(TraceStage stage) => stage switch
    {
        TraceStage.Parse => "parse",
        TraceStage.Untracked => "untracked",
        TraceStage.Conntrack => "conntrack",
        TraceStage.Failsafe => "failsafe",
        TraceStage.PreDnat => "prednat",
        TraceStage.Dnat => "dnat",
        TraceStage.Workload => "workload",
        TraceStage.Host => "host",
        TraceStage.Forward => "forward",
        _ => stage.ToString().ToLowerInvariant(),
    };

    public static string Name(TraceVerdict verdict) => verdict switch
    {
        TraceVerdict.ReEvaluate => "reevaluate",
        _ => verdict.ToString().ToLowerInvariant(),
    };
}
