using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// The established-flow prefix, run by the parse step before parsing: the packets at the head of a burst that belong to
/// established flows with a kept forwarding decision are forwarded straight from their bytes — OVS's exact-match cache in
/// front of the stages. For each packet, in order: a plain IPv4 TCP/UDP frame (the parser's own test,
/// <see cref="ParseStage.IsPlainIpv4{TB}"/>), its flow direction in the worker's <see cref="FlowIndex"/>, a forwarding
/// slot valid this burst (<see cref="ForwardingCache.Holds"/>), a TTL above 1, and a conntrack step that is Established
/// without a lookup (<see cref="Conntrack.ConntrackWorker.TryRefreshEstablished"/>: the entry live, of the index's
/// generation, not expired, and the state machine neither re-evaluating, refusing nor ending the flow). Then the
/// slot's NAT, TTL, MACs and egress are written, and the packet counts as parsed and established (or reply) exactly as
/// the stages would count it.
///
/// The prefix ends at the first packet that fails any test: that packet and every later one take the stages, in order,
/// so no packet of a flow overtakes an earlier one of the same burst (the conntrack state machine sees them in arrival
/// order). Nothing runs when untracked policy could see the burst (untracked packets never touch conntrack). Three
/// passes over the burst so that each level's cache lines are prefetched a whole pass ahead: keys and index buckets,
/// then forwarding slots and conntrack entries, then the work.
/// </summary>
public sealed unsafe class EstablishedPrefix
{
    private readonly WorkerContext _w;

    // Per packet of the burst, index for index (pinned arrays, used through pointers: no bounds checks per packet).
    private readonly ulong[] _addressArray = GC.AllocateArray<ulong>(Burst.MaxCapacity, pinned: true);
    private readonly ulong[] _metaArray = GC.AllocateArray<ulong>(Burst.MaxCapacity, pinned: true);
    private readonly nint[] _bucketArray = GC.AllocateArray<nint>(Burst.MaxCapacity, pinned: true);
    private readonly nint[] _dataArray = GC.AllocateArray<nint>(Burst.MaxCapacity, pinned: true);
    private readonly int[] _flowArray = GC.AllocateArray<int>(Burst.MaxCapacity, pinned: true);
    private readonly uint[] _generationArray = GC.AllocateArray<uint>(Burst.MaxCapacity, pinned: true);
    private readonly byte[] _tcpFlagsArray = GC.AllocateArray<byte>(Burst.MaxCapacity, pinned: true);
    private readonly ulong* _addresses, _meta;
    private readonly byte** _bucket, _data;
    private readonly int* _flow;
    private readonly uint* _generation;
    private readonly byte* _tcpFlags;

    public EstablishedPrefix(WorkerContext worker)
    {
        _w = worker;
        _addresses = (ulong*)Unsafe.AsPointer(ref _addressArray[0]);
        _meta = (ulong*)Unsafe.AsPointer(ref _metaArray[0]);
        _bucket = (byte**)Unsafe.AsPointer(ref _bucketArray[0]);
        _data = (byte**)Unsafe.AsPointer(ref _dataArray[0]);
        _flow = (int*)Unsafe.AsPointer(ref _flowArray[0]);
        _generation = (uint*)Unsafe.AsPointer(ref _generationArray[0]);
        _tcpFlags = (byte*)Unsafe.AsPointer(ref _tcpFlagsArray[0]);
    }

    /// <summary>Conntrack entry * 2 + direction of prefix packet <paramref name="i"/> (valid up to the last <see cref="Forward"/>'s result).</summary>
    public int FlowOf(int i) => _flow[i];

    /// <summary>The conntrack entry generation of prefix packet <paramref name="i"/>.</summary>
    public uint GenerationOf(int i) => _generation[i];

    /// <summary>
    /// Forwards the burst's established prefix (the parse step has started the burst: clock, policy, ingress port, trace)
    /// and returns its length: packets <c>0 .. result-1</c> have their egress and are counted; the rest are untouched.
    /// </summary>
    public int Forward(Burst burst)
    {
        var w = _w;
        var fast = w.Forwarding;
        if (fast.Index is not { } index || UntrackedStage.Applies(w))
            return 0;
        fast.BeginBurst(w.Policy!.Generation, w.Runtime.Neighbours);
        var plain = ReadKeys(burst, index, w.State.RxPort);
        if (plain == 0)
            return 0;
        var indexed = Probe(plain, fast, w.Conntrack.Table);
        var k = indexed == 0 ? 0 : ForwardInOrder(burst, indexed);
        if (k > 0)
        {
            fast.CountPrefixHits(k);
            w.Conntrack.CountEstablished(k);
        }
        return k;
    }

    // Three passes in three methods: each loop keeps its values in registers.

    /// <summary>Pass 1: the plain frames at the head of the burst, their keys, and their index buckets prefetched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining), SkipLocalsInit]
    private int ReadKeys(Burst burst, FlowIndex index, int rx)
    {
        var n = burst.Count;
        var mbufs = burst.Mbufs;
        // In locals: stores through these pointers could alias the fields as far as the JIT knows.
        var addressesOut = _addresses;
        var metaOut = _meta;
        var bucketOut = _bucket;
        var dataOut = _data;
        var flagsOut = _tcpFlags;
        var plain = 0;
        for (; plain < n; plain++)
        {
            var m = mbufs[plain];
            int length = Mbuf.DataLen(m);
            var data = Mbuf.Data(m);
            if (Mbuf.NbSegs(m) != 1 || Mbuf.PktLen(m) != (uint)length
                || !ParseStage.IsPlainIpv4<UncheckedReads>(data, length, out _, out var protocol, out var tcpFlags))
                break;
            var addresses = Unsafe.ReadUnaligned<ulong>(data + ParseStage.PlainIpv4L3 + 12);
            var meta = FlowIndex.Meta(Unsafe.ReadUnaligned<uint>(data + ParseStage.PlainIpv4L4), protocol, rx);
            var bucket = (byte*)index.Bucket(addresses, meta);
            Prefetch(bucket);
            addressesOut[plain] = addresses;
            metaOut[plain] = meta;
            bucketOut[plain] = bucket;
            dataOut[plain] = data;
            flagsOut[plain] = tcpFlags;
        }
        return plain;
    }

    /// <summary>Pass 2: the indexed flow directions among them, their forwarding slots and conntrack entries prefetched.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining), SkipLocalsInit]
    private int Probe(int plain, ForwardingCache fast, Conntrack.ConntrackTable table)
    {
        var buckets = _bucket;
        var addresses = _addresses;
        var meta = _meta;
        var flows = _flow;
        var generations = _generation;
        var indexed = 0;
        for (; indexed < plain; indexed++)
        {
            if (!FlowIndex.TryGet(buckets[indexed], addresses[indexed], meta[indexed], out var flow, out var generation))
                break;
            flows[indexed] = flow;
            generations[indexed] = generation;
            Prefetch(fast.SlotOf(flow));
            Prefetch(table.EntryPtr(flow >> 1));
        }
        return indexed;
    }

    /// <summary>
    /// Pass 3: in order, the packets forwarded from their slots, until the first that needs the stages; counted. The
    /// steady case (the conntrack word known to step to itself) runs in a loop without calls; a packet outside it takes
    /// the full check (<see cref="ForwardOne"/>) and the loop goes on after it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining), SkipLocalsInit]
    private int ForwardInOrder(Burst burst, int indexed)
    {
        var w = _w;
        var fast = w.Forwarding;
        var ctx = new SteadyContext
        {
            Flows = _flow, Generations = _generation, Frames = _data, Meta = _meta, TcpFlags = _tcpFlags,
            Egress = burst.Egress, Slots = fast.SlotOf(0), SlotMask = fast.SlotMask, Stamp = fast.Stamp,
            RxPort = w.State.RxPort, DecrementTtl = w.RxPort.Role != PortRole.Kernel, Now = w.State.Now,
            Conntrack = new Conntrack.ConntrackWorker.SteadyView(w.Conntrack.Table),
        };
        var k = 0;
        while (k < indexed)
        {
            k = ForwardSteady(in ctx, k, indexed);
            if (k == indexed || !ForwardOne(in ctx, k))
                break;
            k++;
        }
        if (k > 0)
        {
            if (w.Trace is null)
            {
                var replies = 0;
                for (var i = 0; i < k; i++)
                    replies += _flow[i] & 1;
                w.Counters.Verdicts(TraceStage.Parse, TraceVerdict.Ok, k);
                w.Counters.Verdicts(TraceStage.Conntrack, TraceVerdict.Established, k - replies);
                w.Counters.Verdicts(TraceStage.Conntrack, TraceVerdict.Reply, replies);
            }
            else
            {
                for (var i = 0; i < k; i++)
                    Trace(i, in *fast.SlotOf(_flow[i]));
            }
        }
        return k;
    }

    /// <summary>What pass 3 reads per burst, in one place for its loop.</summary>
    private struct SteadyContext
    {
        public int* Flows;
        public uint* Generations;
        public byte** Frames;
        public ulong* Meta;
        public byte* TcpFlags;
        public ushort* Egress;
        public ForwardingCache.Slot* Slots;
        public int SlotMask;
        public ulong Stamp;
        public int RxPort;
        public bool DecrementTtl;
        public long Now;
        public Conntrack.ConntrackWorker.SteadyView Conntrack;
    }

    /// <summary>Forwards packets from <paramref name="k"/> on while each is in the steady case; returns the first that is not.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining), SkipLocalsInit]
    private static int ForwardSteady(in SteadyContext c, int k, int indexed)
    {
        var flows = c.Flows;
        var frames = c.Frames;
        var slots = c.Slots;
        var entries = c.Conntrack.Entries;
        for (; k < indexed; k++)
        {
            var flow = flows[k];
            var generation = c.Generations[k];
            var s = slots + (flow & c.SlotMask);
            var data = frames[k];
            var ip = data + ParseStage.PlainIpv4L3;
            var p = entries + (flow >> 1);
            if (!SlotApplies(in c, s, flow, generation, ip)
                || !c.Conntrack.LiveAndCurrent(p, generation, c.Now, out var word, out var age)
                || !Conntrack.ConntrackWorker.SteadyView.IsSteady(word, (byte)(c.Meta[k] >> 32), c.TcpFlags[k], s->SteadyLow)
                || !c.Conntrack.Refresh(p, word, age, c.Now))
                break;
            Emit(in c, k, s, data);
        }
        return k;
    }

    /// <summary>The slot holds this flow direction's decision, valid now, precomputed; the TTL allows forwarding.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool SlotApplies(in SteadyContext c, ForwardingCache.Slot* s, int flow, uint generation, byte* ip) =>
        ForwardingCache.Holds(s, flow, generation, c.RxPort, c.Stamp) && s->Precomputed != 0 && !(c.DecrementTtl && ip[8] <= 1);

    /// <summary>Packet <paramref name="k"/> leaves with the slot's rewrite, MACs and egress.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Emit(in SteadyContext c, int k, ForwardingCache.Slot* s, byte* data)
    {
        ForwardingCache.RewriteIpv4(data + ParseStage.PlainIpv4L3, data + ParseStage.PlainIpv4L4, in *s, c.DecrementTtl);
        ForwardingCache.WriteL2(data, in *s);
        c.Egress[k] = s->EgressPortId;
    }

    /// <summary>Packet <paramref name="k"/> with every check (the conntrack step worked out): forwarded, or false (the prefix ends here).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool ForwardOne(in SteadyContext c, int k)
    {
        var ct = _w.Conntrack;
        var flow = c.Flows[k];
        var generation = c.Generations[k];
        var s = c.Slots + (flow & c.SlotMask);
        var data = c.Frames[k];
        if (!SlotApplies(in c, s, flow, generation, data + ParseStage.PlainIpv4L3)
            || !ct.TryRefreshEstablished(flow >> 1, generation, flow & 1, (byte)(c.Meta[k] >> 32), c.TcpFlags[k], c.Now, ref s->SteadyLow))
            return false;
        Emit(in c, k, s, data);
        return true;
    }

    /// <summary>The steps the stages would record for this packet (replay and tests only): parse, conntrack, NAT, forwarded.</summary>
    private void Trace(int origin, in ForwardingCache.Slot s)
    {
        var w = _w;
        w.Record(origin, TraceStage.Parse, TraceVerdict.Ok);
        w.Record(origin, TraceStage.Conntrack, (_flow[origin] & 1) != 0 ? TraceVerdict.Reply : TraceVerdict.Established);
        // The flow as received: the rewrite has changed the bytes, the key has not.
        var flow = FlowIndex.FlowOf(_addresses[origin], _meta[origin]);
        NatStage.TraceResult(w, origin, flow, ForwardingCache.Rewrite(in s));
        w.Trace!.Outcome[origin] = PacketOutcome.Forwarded;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Prefetch(void* p)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(p);
    }
}
