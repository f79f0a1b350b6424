using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Stages;

namespace PreDnatAppliance.Dataplane.Workers;

/// <summary>One <see cref="ulong"/> per drop reason.</summary>
[InlineArray(DropReasons.Count)]
public struct DropCounts
{
    private ulong _element;
}

/// <summary>
/// The counters of one worker lcore. Written only by that worker with plain increments (no atomics, as in
/// DPDK apps and VPP); read by anyone as a racy but torn-free snapshot (aligned 64-bit loads). Each worker's
/// block is <see cref="Stride"/> bytes at a 128-byte aligned address, so two workers never share a cache line (nor the
/// adjacent-line prefetch pair). The block grows with <see cref="DropReasons.Count"/>: 64 bytes of scalars plus one
/// <see cref="ulong"/> per reason, rounded up to a multiple of 128 bytes (640 bytes for 64 reasons).
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Stride)]
public struct LcoreCounters
{
    /// <summary>Bytes per worker block: the fields below, rounded up to a multiple of 128.</summary>
    public const int Stride = (8 * sizeof(ulong) + DropReasons.Count * sizeof(ulong) + 127) / 128 * 128;

    /// <summary>RX polls (one per (port, queue) visit), the loop's heartbeat.</summary>
    public ulong Polls;
    /// <summary>Polls that returned at least one packet.</summary>
    public ulong BusyPolls;
    public ulong RxPackets;
    public ulong TxPackets;
    /// <summary>Extra TX calls after a partial send.</summary>
    public ulong TxRetries;
    /// <summary>Bytes the worker allocated on the managed heap in its loop after the first round that received packets (set when the loop ends).</summary>
    public ulong AllocatedBytes;
    /// <summary>Nonzero while the loop runs.</summary>
    public ulong Running;
    /// <summary>Bytes allocated up to the end of the first round that received packets: the runtime's one-time work.</summary>
    public ulong WarmupAllocatedBytes;
    /// <summary>Packets dropped, per <see cref="DropReason"/>.</summary>
    public DropCounts Drops;
}

/// <summary>The counter blocks of every worker, in one aligned native allocation.</summary>
public sealed unsafe class LcoreCounterSet : IDisposable
{
    private readonly byte* _base;

    public LcoreCounterSet(int workers)
    {
        Workers = workers;
        _base = (byte*)NativeMemory.AlignedAlloc((nuint)(workers * LcoreCounters.Stride), 128);
        NativeMemory.Clear(_base, (nuint)(workers * LcoreCounters.Stride));
    }

    public int Workers { get; }

    internal LcoreCounters* Get(int worker) => (LcoreCounters*)(_base + worker * LcoreCounters.Stride);

    /// <summary>A consistent-enough copy of one worker's counters (each field read once, atomically).</summary>
    public CounterSnapshot Read(int worker)
    {
        var c = Get(worker);
        var s = new CounterSnapshot
        {
            Polls = Volatile.Read(ref c->Polls),
            BusyPolls = Volatile.Read(ref c->BusyPolls),
            RxPackets = Volatile.Read(ref c->RxPackets),
            TxPackets = Volatile.Read(ref c->TxPackets),
            TxRetries = Volatile.Read(ref c->TxRetries),
            AllocatedBytes = Volatile.Read(ref c->AllocatedBytes),
            WarmupAllocatedBytes = Volatile.Read(ref c->WarmupAllocatedBytes),
            Drops = new ulong[DropReasons.Count],
        };
        for (var i = 0; i < DropReasons.Count; i++)
            s.Drops[i] = Volatile.Read(ref c->Drops[i]);
        return s;
    }

    /// <summary>RX, TX and dropped totals without allocating (for control loops that poll often).</summary>
    public void ReadTotals(out ulong rx, out ulong tx, out ulong dropped)
    {
        rx = tx = dropped = 0;
        for (var w = 0; w < Workers; w++)
        {
            var c = Get(w);
            rx += Volatile.Read(ref c->RxPackets);
            tx += Volatile.Read(ref c->TxPackets);
            for (var i = 0; i < DropReasons.Count; i++)
                dropped += Volatile.Read(ref c->Drops[i]);
        }
    }

    /// <summary>The sum over all workers.</summary>
    public CounterSnapshot ReadTotal()
    {
        var total = new CounterSnapshot { Drops = new ulong[DropReasons.Count] };
        for (var w = 0; w < Workers; w++)
            total.Add(Read(w));
        return total;
    }

    public void Dispose() => NativeMemory.AlignedFree(_base);
}

/// <summary>Counters as read at one moment (managed copy, for reports and metrics).</summary>
public sealed class CounterSnapshot
{
    public ulong Polls { get; set; }
    public ulong BusyPolls { get; set; }
    public ulong RxPackets { get; set; }
    public ulong TxPackets { get; set; }
    public ulong TxRetries { get; set; }
    public ulong AllocatedBytes { get; set; }
    public ulong WarmupAllocatedBytes { get; set; }
    public ulong[] Drops { get; set; } = new ulong[DropReasons.Count];

    public ulong DroppedPackets => Drops.Aggregate(0UL, (a, b) => a + b);

    /// <summary>RX packets neither sent nor counted as dropped: in flight while running, zero after a stop.</summary>
    public long Unaccounted => (long)RxPackets - (long)TxPackets - (long)DroppedPackets;

    public IReadOnlyDictionary<string, ulong> DropsByReason =>
        Enumerable.Range(0, DropReasons.Count).Where(i => Drops[i] != 0)
            .ToDictionary(i => DropReasons.Name((DropReason)i), i => Drops[i]);

    internal void Add(CounterSnapshot o)
    {
        Polls += o.Polls;
        BusyPolls += o.BusyPolls;
        RxPackets += o.RxPackets;
        TxPackets += o.TxPackets;
        TxRetries += o.TxRetries;
        AllocatedBytes += o.AllocatedBytes;
        WarmupAllocatedBytes += o.WarmupAllocatedBytes;
        for (var i = 0; i < DropReasons.Count; i++)
            Drops[i] += o.Drops[i];
    }
}
