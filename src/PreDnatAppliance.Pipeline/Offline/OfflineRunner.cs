using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Ports;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Workers;

namespace PreDnatAppliance.Pipeline.Offline;

/// <summary>What happened to one frame pushed into an <see cref="OfflineRunner"/>.</summary>
public readonly struct OfflinePacketResult
{
    internal OfflinePacketResult(long index, long tag, ushort rxPort, DropReason reason, ushort egress, int position, nint mbuf)
    {
        Index = index;
        Tag = tag;
        RxPort = rxPort;
        Reason = reason;
        Egress = egress;
        Position = position;
        Mbuf = mbuf;
    }

    /// <summary>The frame's number: 0 for the first frame pushed into the runner, then 1, 2, ...</summary>
    public long Index { get; }

    /// <summary>The caller's value given with the frame (the pcap timestamp in nanoseconds for the pcap runs).</summary>
    public long Tag { get; }

    public ushort RxPort { get; }

    /// <summary><see cref="DropReason.None"/> when the packet came through every stage.</summary>
    public DropReason Reason { get; }

    public bool Kept => Reason == DropReason.None;

    /// <summary>Kept: the egress port the stages chose (<see cref="Burst.NoPort"/> if none did).</summary>
    public ushort Egress { get; }

    /// <summary>
    /// Kept: the packet's index in the burst after the last stage, i.e. in the stages' side arrays (a
    /// <c>ParsedBurst</c>, a <c>HeaderBatch</c>); -1 when dropped.
    /// </summary>
    public int Position { get; }

    /// <summary>The packet (kept: as the stages left it, e.g. rewritten). Valid only during the callback.</summary>
    public nint Mbuf { get; }

    public override string ToString() => Kept
        ? $"#{Index} port {RxPort}: kept, egress {(Egress == Burst.NoPort ? "none" : Egress.ToString(System.Globalization.CultureInfo.InvariantCulture))}"
        : $"#{Index} port {RxPort}: dropped, {DropReasons.Name(Reason)}";
}

/// <summary>Called once per frame, in the order the frames were pushed, after its burst went through the stages.</summary>
public delegate void OfflinePacketHandler(in OfflinePacketResult result);

/// <summary>A port of an offline run; its DPDK port id is its index in the list given to the runner.</summary>
public sealed record OfflinePort(string Name, PortRole Role = PortRole.Auto);

/// <summary>A pcap file received on one port.</summary>
public sealed record OfflineInput(string Path, ushort RxPort);

/// <summary>Packet counts of an offline run: every packet is kept or dropped under exactly one reason.</summary>
public sealed class OfflineTotals
{
    public long Packets { get; internal set; }
    public long Kept { get; internal set; }
    public long Dropped { get; internal set; }

    /// <summary>Dropped packets per <see cref="DropReason"/> value.</summary>
    public long[] Drops { get; } = new long[DropReasons.Count];

    public long DropsOf(DropReason reason) => Drops[(int)reason];

    /// <summary>Non-zero drop counts by reason name.</summary>
    public IReadOnlyDictionary<string, long> DropsByReason =>
        Enumerable.Range(0, DropReasons.Count).Where(i => Drops[i] != 0).ToDictionary(i => DropReasons.Name((DropReason)i), i => Drops[i]);

    internal OfflineTotals Clone()
    {
        var c = new OfflineTotals { Packets = Packets, Kept = Kept, Dropped = Dropped };
        Drops.CopyTo(c.Drops, 0);
        return c;
    }

    internal OfflineTotals Since(OfflineTotals before)
    {
        var d = new OfflineTotals { Packets = Packets - before.Packets, Kept = Kept - before.Kept, Dropped = Dropped - before.Dropped };
        for (var i = 0; i < Drops.Length; i++)
            d.Drops[i] = Drops[i] - before.Drops[i];
        return d;
    }

    public override string ToString() =>
        $"{Packets} packets: {Kept} kept, {Dropped} dropped" + string.Concat(DropsByReason.Select(kv => $", {kv.Key} {kv.Value}"));
}

/// <summary>
/// Runs a list of stages over frames without DPDK, as one worker's poll loop would: frames are copied into
/// <see cref="OfflineMbufPool"/> mbufs, gathered into bursts (default 32, one RX port per burst), passed
/// through the stages in order (stopping when a burst is empty), and then accounted for one by one: every
/// frame is reported as kept (with its egress and position) or dropped with its reason, and the counters keep
/// <c>rx = tx + Σ drops</c> ("tx" here: kept). A stage that loses or invents a packet is an
/// <see cref="InvalidOperationException"/>. Not thread-safe; one runner per pipeline instance.
/// </summary>
public sealed unsafe class OfflineRunner : IDisposable
{
    public const int DefaultBurstSize = 32;

    private readonly IBurstStage[] _stages;
    private readonly Burst _burst;
    private readonly OfflineMbufPool _pool;
    private readonly LcoreCounterSet _counterSet;
    private readonly LcoreCounters* _counters;
    private readonly int[] _positionOfElement;   // pool element -> position in the pending burst
    private readonly long[] _tagOfPosition;
    private readonly DropReason[] _reasonOfPosition;
    private readonly int[] _keptAtOfPosition;
    private readonly ushort[] _egressOfPosition;
    private readonly nint[] _mbufOfPosition;
    private int _pending;
    private ushort _pendingPort;
    private long _nextIndex;

    /// <param name="stages">The pipeline, called in order once per burst.</param>
    /// <param name="burstSize">Packets per burst (1..<see cref="Burst.MaxCapacity"/>).</param>
    /// <param name="bufferSize">mbuf buffer size including the headroom; longer frames become segment chains.</param>
    /// <param name="guardPages">Frames end at an inaccessible page (<see cref="OfflineMbufPool"/>): reads past a frame fault.</param>
    public OfflineRunner(IReadOnlyList<IBurstStage> stages, int burstSize = DefaultBurstSize, int bufferSize = OfflineMbufPool.DefaultBufferSize,
        bool guardPages = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burstSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(burstSize, Burst.MaxCapacity);
        _stages = stages.ToArray();
        _burst = new Burst(burstSize);
        // A full burst of single-segment frames plus room for one pcap record of the largest size.
        _pool = new OfflineMbufPool(burstSize * 2 + PcapReader.MaxRecordLength / (bufferSize - MbufLayout.Headroom) + 2, bufferSize, guardPages);
        _counterSet = new LcoreCounterSet(1);
        _counters = _counterSet.Get(0);
        _positionOfElement = new int[_pool.Count];
        _tagOfPosition = new long[burstSize];
        _reasonOfPosition = new DropReason[burstSize];
        _keptAtOfPosition = new int[burstSize];
        _egressOfPosition = new ushort[burstSize];
        _mbufOfPosition = new nint[burstSize];
    }

    /// <summary>Builds the stages with a pipeline factory, as the data path does for each worker.</summary>
    public static OfflineRunner FromFactory(PipelineFactory factory, IReadOnlyList<OfflinePort> ports, int burstSize = DefaultBurstSize) =>
        new(factory(CreateContext(ports)), burstSize);

    /// <summary>A pipeline context for an offline run: worker 0 on lcore 0, port ids = indexes in <paramref name="ports"/>.</summary>
    public static PipelineContext CreateContext(IReadOnlyList<OfflinePort> ports)
    {
        var infos = ports.Select((p, i) => new PortInfo(p.Name, (ushort)i, "offline:" + p.Name, "offline", "00:00:00:00:00:00",
            p.Role, RxQueues: 1, TxQueues: 1, RxDescriptors: 0, TxDescriptors: 0, RssHashFunctions: 0, SocketId: -1, Promiscuous: true)).ToArray();
        return new PipelineContext(workerIndex: 0, lcore: 0, infos);
    }

    public IReadOnlyList<IBurstStage> Stages => _stages;
    public int BurstSize => _burst.Capacity;
    public OfflineMbufPool Pool => _pool;

    /// <summary>Called for every frame once its burst is through; null to only count.</summary>
    public OfflinePacketHandler? OnPacket { get; set; }

    /// <summary>Totals since the runner was created.</summary>
    public OfflineTotals Totals { get; } = new();

    /// <summary>The worker counters as the data path keeps them (RX, "TX" = kept, drops by reason).</summary>
    public CounterSnapshot ReadCounters() => _counterSet.Read(0);

    /// <summary>Frames pushed but not yet run (the pending burst).</summary>
    public int Pending => _pending;

    /// <summary>
    /// Adds a frame received on <paramref name="rxPort"/> to the pending burst, running the burst first when it
    /// is full, belongs to another port, or the pool lacks mbufs for the frame. Returns the frame's index.
    /// </summary>
    public long Push(ReadOnlySpan<byte> frame, ushort rxPort, long tag = 0)
    {
        if (_pending > 0 && (_pending == _burst.Capacity || rxPort != _pendingPort || _pool.Available < _pool.SegmentsFor(frame.Length)))
            Flush();
        var m = _pool.FromFrame(frame, rxPort);
        var position = _pending++;
        _pendingPort = rxPort;
        _burst.Mbufs[position] = m;
        _positionOfElement[_pool.IndexOf(m)] = position;
        _tagOfPosition[position] = tag;
        return _nextIndex++;
    }

    /// <summary>Runs the pending burst through the stages and reports each of its frames.</summary>
    public void Flush()
    {
        var n = _pending;
        if (n == 0)
            return;
        var burst = _burst;
        var firstIndex = _nextIndex - n;
        burst.Begin(_pendingPort, 0, n, _counters);
        new Span<ushort>(burst.Egress, n).Fill(Burst.NoPort);
        for (var j = 0; j < n; j++)
        {
            _mbufOfPosition[j] = burst.Mbufs[j];
            _keptAtOfPosition[j] = int.MinValue;
        }
        _counters->RxPackets += (ulong)n;
        _counters->BusyPolls++;
        _counters->Polls++;

        for (var s = 0; s < _stages.Length && burst.Count > 0 && !burst.IsFinished; s++)
            _stages[s].Process(burst);

        var kept = burst.Count;
        var dropped = burst.DroppedReasons;
        var droppedPackets = burst.DroppedPackets;
        if (kept + dropped.Length != n)
            throw new InvalidOperationException($"offline run: a burst of {n} packets ended with {kept} kept and {dropped.Length} dropped");
        for (var k = 0; k < kept; k++)
        {
            var j = Position(burst.Mbufs[k]);
            _keptAtOfPosition[j] = k;
            _reasonOfPosition[j] = DropReason.None;
            _egressOfPosition[j] = burst.Egress[k];
        }
        for (var d = 0; d < dropped.Length; d++)
        {
            var j = Position(droppedPackets[d]);
            _keptAtOfPosition[j] = -1;
            _reasonOfPosition[j] = (DropReason)dropped[d];
            if (dropped[d] == 0)
                throw new InvalidOperationException("offline run: a packet was dropped with reason 0");
        }
        _counters->TxPackets += (ulong)kept;

        Totals.Packets += n;
        Totals.Kept += kept;
        Totals.Dropped += dropped.Length;
        var handler = OnPacket;
        for (var j = 0; j < n; j++)
        {
            var reason = _reasonOfPosition[j];
            Totals.Drops[(int)reason] += reason == DropReason.None ? 0 : 1;
            if (handler is not null)
            {
                var result = new OfflinePacketResult(firstIndex + j, _tagOfPosition[j], _pendingPort, reason,
                    reason == DropReason.None ? _egressOfPosition[j] : Burst.NoPort, _keptAtOfPosition[j], _mbufOfPosition[j]);
                handler(in result);
            }
        }

        for (var j = 0; j < n; j++)
            _pool.Free(_mbufOfPosition[j]);
        _pending = 0;
    }

    /// <summary>The pending-burst position of an mbuf the stages returned; each must come back exactly once.</summary>
    private int Position(nint m)
    {
        if (!_pool.Owns(m))
            throw new InvalidOperationException($"offline run: a stage returned 0x{m:x}, which is not one of the burst's mbufs");
        var j = _positionOfElement[_pool.IndexOf(m)];
        if ((uint)j >= (uint)_pending || _mbufOfPosition[j] != m || _keptAtOfPosition[j] != int.MinValue)
            throw new InvalidOperationException($"offline run: a stage returned 0x{m:x} twice or it is not one of the burst's packets");
        return j;
    }

    /// <summary>Runs every record of a pcap file (Ethernet link type) received on <paramref name="rxPort"/>; returns this run's totals.</summary>
    public OfflineTotals RunPcap(PcapReader reader, ushort rxPort)
    {
        if (reader.LinkType != PcapLinkType.Ethernet)
            throw new InvalidDataException($"pcap link type {(uint)reader.LinkType} is not Ethernet (1)");
        var before = Totals.Clone();
        while (reader.TryReadPacket(out var packet))
            Push(packet.Data, rxPort, packet.TimestampNanoseconds);
        Flush();
        return Totals.Since(before);
    }

    public OfflineTotals RunPcap(string path, ushort rxPort)
    {
        using var reader = PcapReader.Open(path);
        return RunPcap(reader, rxPort);
    }

    /// <summary>
    /// Runs several pcap files, one per RX port, merged by timestamp (ties: the earlier input first), as the
    /// ports would have received them. Returns this run's totals.
    /// </summary>
    public OfflineTotals RunPcaps(IReadOnlyList<OfflineInput> inputs)
    {
        using var merge = new PcapMerge(inputs.Select(i => i.Path).ToList());
        var before = Totals.Clone();
        while (merge.TryNext(out var frame, out var input, out var stamp))
            Push(frame, inputs[input].RxPort, stamp);
        Flush();
        return Totals.Since(before);
    }

    public void Dispose()
    {
        // Frames pushed but never flushed go back to the pool with it.
        _burst.Dispose();
        _pool.Dispose();
        _counterSet.Dispose();
    }
}
