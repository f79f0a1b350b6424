using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PreDnatAppliance.Pipeline.Stages;

namespace PreDnatAppliance.Pipeline.Runtime.Counters;

/// <summary>
/// One worker's pipeline counters: a block of native memory (128-byte aligned, size a multiple of 128, so two workers
/// never share a cache line or an adjacent-line prefetch pair) written only by its worker with plain increments, and
/// read by the control side as racy but torn-free 64-bit loads (as <c>LcoreCounters</c>). Layout, in ulongs:
/// scalars, then (stage, verdict), then per service slot (translations, no backend), then per rule slot one
/// counter per stage. Slot 0 of services and rules collects what found no slot (registry full).
/// </summary>
public sealed unsafe class WorkerCounters
{
    internal const int ScalarCount = 8;
    internal const int RejectsSentIndex = 0, RejectsSuppressedIndex = 1, PuntedIndex = 2;

    internal static readonly int StageCount = Enum.GetValues<TraceStage>().Length;
    internal static readonly int VerdictCount = Enum.GetValues<TraceVerdict>().Length;

    private readonly ulong* _scalars;
    private readonly ulong* _verdicts;
    private readonly ulong* _services;
    private readonly ulong* _rules;

    internal WorkerCounters(ulong* block, int serviceSlots, int ruleSlots)
    {
        Block = block;
        _scalars = block;
        _verdicts = _scalars + ScalarCount;
        _services = _verdicts + StageCount * VerdictCount;
        _rules = _services + serviceSlots * 2;
        ServiceSlots = serviceSlots;
        RuleSlots = ruleSlots;
    }

    internal ulong* Block { get; }
    internal int ServiceSlots { get; }
    internal int RuleSlots { get; }

    internal static nuint BlockBytes(int serviceSlots, int ruleSlots)
    {
        var longs = ScalarCount + StageCount * VerdictCount + serviceSlots * 2 + ruleSlots * StageCount;
        return (nuint)((longs * sizeof(ulong) + 127) / 128 * 128);
    }

    internal static WorkerCounters Allocate(int serviceSlots, int ruleSlots)
    {
        var bytes = BlockBytes(serviceSlots, ruleSlots);
        var block = (ulong*)NativeMemory.AlignedAlloc(bytes, 128);
        NativeMemory.Clear(block, bytes);
        return new WorkerCounters(block, serviceSlots, ruleSlots);
    }

    internal void Free() => NativeMemory.AlignedFree(Block);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Verdict(TraceStage stage, TraceVerdict verdict) => _verdicts[(int)stage * VerdictCount + (int)verdict]++;

    /// <summary>Adds <paramref name="packets"/> to one (stage, verdict) pair (the parse stage counts its drops per burst).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Verdicts(TraceStage stage, TraceVerdict verdict, int packets) => _verdicts[(int)stage * VerdictCount + (int)verdict] += (ulong)packets;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RuleHit(TraceStage stage, int slot) => _rules[(uint)slot < (uint)RuleSlots ? slot * StageCount + (int)stage : (int)stage]++;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ServiceTranslation(int slot) => _services[((uint)slot < (uint)ServiceSlots ? slot : 0) * 2]++;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void ServiceNoBackend(int slot) => _services[((uint)slot < (uint)ServiceSlots ? slot : 0) * 2 + 1]++;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RejectSent() => _scalars[RejectsSentIndex]++;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RejectSuppressed() => _scalars[RejectsSuppressedIndex]++;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Punted() => _scalars[PuntedIndex]++;

    // ---- readers (any thread) -------------------------------------------------------------------------------

    internal ulong Scalar(int index) => Volatile.Read(ref _scalars[index]);

    internal ulong VerdictCountOf(int stage, int verdict) => Volatile.Read(ref _verdicts[stage * VerdictCount + verdict]);

    internal ulong Translations(int slot) => Volatile.Read(ref _services[slot * 2]);

    internal ulong NoBackend(int slot) => Volatile.Read(ref _services[slot * 2 + 1]);

    internal ulong RuleHits(int slot, int stage) => Volatile.Read(ref _rules[slot * StageCount + stage]);
}
