using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Workers;

namespace PreDnatAppliance.Dataplane.Stages;

/// <summary>
/// One RX burst on its way through the stages: the mbuf pointers and, index for index, side arrays for the
/// egress port and the verdict. All arrays are native, allocated once per worker and reused for every burst.
///
/// The contract for a stage: read packets <c>0 .. Count-1</c>; set <see cref="Egress"/> for the ones it routes;
/// mark the ones it drops with <see cref="Drop"/> (or write a <see cref="DropReason"/> into <see cref="Verdicts"/>)
/// and then call <see cref="Compact"/>, which moves the survivors (and their egress) to the front in order and
/// sets the dropped ones aside to be counted and freed in bulk after the burst. Between stages every verdict is
/// <see cref="DropReason.None"/>.
/// </summary>
public sealed unsafe class Burst : IDisposable
{
    /// <summary>Largest burst; HeaderBatch.Capacity in the classification contract is the same.</summary>
    public const int MaxCapacity = 256;

    /// <summary>Egress value meaning "not routed".</summary>
    public const ushort NoPort = 0xFFFF;

    private readonly nint* _dropped;
    private readonly byte* _droppedReasons;
    private LcoreCounters* _counters;

    public Burst(int capacity)
    {
        if (capacity is < 1 or > MaxCapacity)
            throw new ArgumentOutOfRangeException(nameof(capacity));
        Capacity = capacity;
        Mbufs = (nint*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(nint)), 64);
        _dropped = (nint*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(nint)), 64);
        _droppedReasons = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, 64);
        Egress = (ushort*)NativeMemory.AlignedAlloc((nuint)(capacity * sizeof(ushort)), 64);
        Verdicts = (byte*)NativeMemory.AlignedAlloc((nuint)capacity, 64);
        NativeMemory.Clear(Verdicts, (nuint)capacity);
        new Span<ushort>(Egress, capacity).Fill(NoPort);
    }

    public int Capacity { get; }

    /// <summary><c>struct rte_mbuf *</c> per packet.</summary>
    public nint* Mbufs { get; }

    /// <summary>Egress DPDK port per packet (<see cref="NoPort"/> until a stage routes it).</summary>
    public ushort* Egress { get; }

    /// <summary>Per packet: 0 keep, otherwise the <see cref="DropReason"/>; consumed by <see cref="Compact"/>.</summary>
    public byte* Verdicts { get; }

    /// <summary>Packets in the burst.</summary>
    public int Count { get; set; }

    /// <summary>The DPDK port and queue the burst came from.</summary>
    public ushort RxPort { get; internal set; }
    public ushort RxQueue { get; internal set; }

    /// <summary>
    /// Set by a stage that decided every remaining packet (sent with its egress, or set aside): the loop skips the
    /// stages after it and transmits. Cleared for each burst.
    /// </summary>
    public bool IsFinished { get; private set; }

    /// <summary>Every packet left in the burst is ready to send: the later stages are skipped.</summary>
    public void Finish() => IsFinished = true;

    /// <summary>Packets set aside by <see cref="Compact"/>/<see cref="DropAll"/> in this burst, freed by the loop.</summary>
    public int DroppedCount { get; private set; }

    internal nint* Dropped => _dropped;

    /// <summary>The packets set aside in this burst so far (valid until the loop frees them after the burst).</summary>
    public ReadOnlySpan<nint> DroppedPackets => new(_dropped, DroppedCount);

    /// <summary>The <see cref="DropReason"/> of each packet in <see cref="DroppedPackets"/>, index for index.</summary>
    public ReadOnlySpan<byte> DroppedReasons => new(_droppedReasons, DroppedCount);

    public Span<nint> Packets => new(Mbufs, Count);
    public Span<ushort> EgressPorts => new(Egress, Count);
    public Span<byte> VerdictSpan => new(Verdicts, Count);

    internal void Begin(ushort port, ushort queue, int count, LcoreCounters* counters)
    {
        RxPort = port;
        RxQueue = queue;
        Count = count;
        DroppedCount = 0;
        IsFinished = false;
        _counters = counters;
    }

    /// <summary>Marks packet <paramref name="index"/> to be dropped by the next <see cref="Compact"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Drop(int index, DropReason reason) => Verdicts[index] = (byte)reason;

    /// <summary>Routes every packet of the burst to one port (the common case, vectorised).</summary>
    public void RouteAll(ushort port) => new Span<ushort>(Egress, Count).Fill(port);

    /// <summary>
    /// Moves the packets whose verdict is a drop reason out of the burst (counting them per reason), keeps
    /// the others in order at the front with their egress, and resets the verdicts. Returns the new count.
    /// </summary>
    public int Compact()
    {
        var n = Count;
        var verdicts = Verdicts;
        var mbufs = Mbufs;
        var egress = Egress;
        var dropped = _dropped + DroppedCount;
        var droppedReasons = _droppedReasons + DroppedCount;
        ref var drops = ref _counters->Drops;
        int kept = 0, gone = 0;
        for (var i = 0; i < n; i++)
        {
            var v = verdicts[i];
            if (v == 0)
            {
                mbufs[kept] = mbufs[i];
                egress[kept] = egress[i];
                kept++;
            }
            else
            {
                droppedReasons[gone] = v;
                dropped[gone++] = mbufs[i];
                drops[v & (DropReasons.Count - 1)]++;
                verdicts[i] = 0;
            }
        }
        DroppedCount += gone;
        Count = kept;
        return kept;
    }

    /// <summary>Drops the whole burst for one reason.</summary>
    public void DropAll(DropReason reason)
    {
        var n = Count;
        Buffer.MemoryCopy(Mbufs, _dropped + DroppedCount, (long)(Capacity - DroppedCount) * sizeof(nint), (long)n * sizeof(nint));
        new Span<byte>(_droppedReasons + DroppedCount, n).Fill((byte)reason);
        DroppedCount += n;
        _counters->Drops[(int)reason & (DropReasons.Count - 1)] += (ulong)n;
        Count = 0;
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(Mbufs);
        NativeMemory.AlignedFree(_dropped);
        NativeMemory.AlignedFree(_droppedReasons);
        NativeMemory.AlignedFree(Egress);
        NativeMemory.AlignedFree(Verdicts);
        GC.SuppressFinalize(this);
    }
}
