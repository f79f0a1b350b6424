using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>
/// One worker's established-flow fast path: per conntrack entry and direction, the forwarding decision the routing,
/// NAT and out stages made for the flow's last packet (the rewrite, the egress port, both MACs). A later packet of the
/// same flow whose conntrack lookup says established is forwarded from it by the conntrack stage — NAT written, TTL
/// decremented, L2 written, egress set — and marked <see cref="PacketMarks.FastForwarded"/>, so the later stages skip
/// it. Nothing else changes: the lookup still runs the TCP state machine and refreshes the entry, counters and trace
/// record the same steps.
///
/// A decision is used only while nothing it depends on changed: the same conntrack entry generation (a reused index is
/// another flow), the same ingress port, the same policy generation (local workloads come from the policy), the same
/// neighbour table version (any MAC change), and the entry still live. Routes and host addresses are fixed for the
/// runtime's life. Direct-mapped by entry and direction (64-byte slots, 8192 per worker); a collision just replaces
/// the slot. Per worker: no sharing, no atomics.
/// </summary>
public sealed unsafe class ForwardingCache
{
    public const int SlotCount = 8192;

    /// <summary>
    /// One cache line: the outer rewrite only (ICMP errors, whose embedded packet is rewritten too, are not cached);
    /// IPv6 addresses live in <see cref="V6Addresses"/>, touched only for IPv6 flows. What an IPv4 packet needs is kept as
    /// the frame carries it (addresses, ports, MACs, checksum deltas), ready to be stored.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    internal struct Slot
    {
        /// <summary>entry * 2 + direction + 1 (0: empty).</summary>
        [FieldOffset(0)] public int Key;
        [FieldOffset(4)] public uint EntryGeneration;

        /// <summary>The burst stamp (policy generation, neighbour version) the decision was made under.</summary>
        [FieldOffset(8)] public ulong Stamp;
        [FieldOffset(16)] public ushort RxPort;
        [FieldOffset(18)] public ushort EgressPortId;
        [FieldOffset(20)] public RewriteFields Fields;

        /// <summary>IPv4 TCP (6) or UDP (17) with the wire fields and deltas below computed (zero deltas without NAT); 0: rewrite with <see cref="NatRewriter"/>.</summary>
        [FieldOffset(21)] public byte Precomputed;
        [FieldOffset(22)] public ushort SrcPort;
        [FieldOffset(24)] public ushort DstPort;

        /// <summary>The incremental checksum deltas of the rewrite in the frame's byte order (<see cref="Checksum.WireDelta"/>; RFC
        /// 1624 sums, as <see cref="NatRewriter"/> computes them from the flow's tuple, which every packet of the flow direction
        /// carries): IPv4 header without and with the TTL decrement, and TCP/UDP (addresses and ports).</summary>
        [FieldOffset(26)] public ushort IpWireDelta;
        [FieldOffset(28)] public ushort IpWireDeltaTtl;
        [FieldOffset(30)] public ushort L4WireDelta;

        /// <summary>The Ethernet header's first 12 bytes (destination and source MAC) as two stores.</summary>
        [FieldOffset(32)] public ulong L2Head;
        [FieldOffset(40)] public uint L2Tail;

        /// <summary>IPv4: the TCP/UDP ports and the source and destination address after the rewrite, as the frame carries them.</summary>
        [FieldOffset(44)] public uint WirePorts;
        [FieldOffset(48)] public ulong WireAddresses;

        /// <summary>The established prefix's memo of a conntrack word that its packets leave unchanged (0: none yet; see
        /// <see cref="Conntrack.ConntrackWorker.TryRefreshEstablished"/>).</summary>
        [FieldOffset(56)] public uint SteadyLow;
    }

    private struct V6Addresses
    {
        public ulong SrcHigh, SrcLow, DstHigh, DstLow;
    }

    private readonly HugePageBlock _memory;
    private readonly Slot* _slots;
    private readonly V6Addresses[] _v6;
    private readonly int _mask;
    private ulong _stamp;

    public ForwardingCache(bool enabled = true)
    {
        Enabled = enabled;
        var count = enabled ? SlotCount : 1;
        // Native and never moving: the conntrack lookup prefetches a flow's slot by address while it prefetches the flow's
        // entry (ConntrackWorker.SidePrefetch).
        _memory = new HugePageBlock((long)count * sizeof(Slot));
        _slots = (Slot*)_memory.Pointer;
        _v6 = new V6Addresses[count];
        _mask = count - 1;
        Index = enabled ? new FlowIndex() : null;
    }

    /// <summary>The IPv4 TCP/UDP flow directions whose decision is kept here, by their packets' bytes (null when disabled).</summary>
    public FlowIndex? Index { get; }

    /// <summary>Off: every packet goes through every stage (to compare against).</summary>
    public bool Enabled { get; }

    /// <summary>Hits and fills so far (diagnostics and tests; written by the owning worker only). Hits include <see cref="PrefixHits"/>.</summary>
    public long Hits { get; private set; }

    /// <summary>Packets forwarded by the established-flow prefix (<see cref="EstablishedPrefix"/>), before parsing.</summary>
    public long PrefixHits { get; private set; }

    internal void CountPrefixHits(int packets)
    {
        Hits += packets;
        PrefixHits += packets;
    }
    public long Fills { get; private set; }

    /// <summary>Has the worker's conntrack lookups prefetch the slot of each flow they find, with its entry.</summary>
    internal void PrefetchWith(Conntrack.ConntrackWorker conntrack)
    {
        if (Enabled)
            conntrack.SidePrefetch(_slots, _mask);
    }

    /// <summary>
    /// Stamps this burst's decisions: the policy generation the burst decides with and the neighbour table's version,
    /// read before anything of the burst reads the neighbour table (so a MAC change during the burst makes what it
    /// cached stale at the next burst, never the other way round).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginBurst(long policyGeneration, NeighbourTable neighbours) =>
        _stamp = (ulong)policyGeneration << 40 ^ (ulong)neighbours.Version;

    /// <summary>The slot of this flow direction; <paramref name="found"/> when it holds a decision valid now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref Slot Find(int entry, uint generation, int direction, int rxPort, out bool found)
    {
        var key = entry * 2 + direction;
        ref var s = ref _slots[key & _mask];
        found = s.Key == key + 1 && s.EntryGeneration == generation && s.RxPort == rxPort && s.Stamp == _stamp;
        return ref s;
    }

    /// <summary>The slot index mask (slot of a flow direction: <c>flow &amp; SlotMask</c>).</summary>
    internal int SlotMask => _mask;

    /// <summary>The address of a flow direction's slot (to prefetch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Slot* SlotOf(int flow) => _slots + (flow & _mask);

    /// <summary>
    /// Slot <paramref name="s"/> holds a decision for flow direction <paramref name="flow"/> (entry * 2 + direction) of
    /// <paramref name="generation"/> arriving on <paramref name="rxPort"/>, valid under <paramref name="stamp"/> (this
    /// burst's <see cref="Stamp"/>, read once by the caller).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool Holds(Slot* s, int flow, uint generation, int rxPort, ulong stamp) =>
        // Key and EntryGeneration are adjacent: one compare.
        *(ulong*)s == ((ulong)generation << 32 | (uint)(flow + 1)) && s->Stamp == stamp && s->RxPort == rxPort;

    /// <summary>This burst's stamp (<see cref="BeginBurst"/>).</summary>
    internal ulong Stamp => _stamp;

    /// <summary>
    /// Forwards packet <paramref name="i"/> of an established flow from the cached decision, if there is one. Returns
    /// false (nothing done) without one; otherwise true with <paramref name="drop"/> the packet's drop reason (TTL
    /// exhausted, as the out stage would) or <see cref="DropReason.None"/> when it is forwarded.
    /// </summary>
    internal bool TryForward(WorkerContext w, Burst burst, int i, int entry, uint generation, int direction, out DropReason drop)
    {
        drop = DropReason.None;
        if (!Enabled)
            return false;
        var st = w.State;
        ref var s = ref Find(entry, generation, direction, st.RxPort, out var found);
        if (!found || !w.Conntrack.Table.IsLive(entry, generation))
            return false;
        Hits++;
        var m = burst.Mbufs[i];
        var data = Mbuf.Data(m);
        var p = st.Parsed;
        var decrementTtl = (st.Marks[i] & PacketMarks.FromKernel) == 0;
        if (s.Precomputed != 0 && (p.Flags[i] & PacketFlags.LaterFragment) == 0 && p.L4Offset[i] != 0
            && !(decrementTtl && data[p.L3Offset[i] + 8] <= 1))
        {
            RewriteIpv4(data + p.L3Offset[i], data + p.L4Offset[i], in s, decrementTtl);
            if (w.Trace is not null)
                NatStage.TraceResult(w, st.Origin[i], p.Flow[i], Rewrite(in s));
            WriteL2(w, burst, i, data, in s);
            // The index may have lost this flow direction to others sharing its bucket: the next packet takes the prefix again.
            IndexFlow(in p.Flow[i], st.RxPort, entry * 2 + direction, generation);
            return true;
        }
        if (s.Fields != RewriteFields.None)
        {
            var rewrite = Rewrite(in s);
            if (st.Parsed.Headers.IpVersion[i] == 6)
            {
                ref readonly var a = ref _v6[(entry * 2 + direction) & _mask];
                rewrite.SrcHigh = a.SrcHigh;
                rewrite.SrcLow = a.SrcLow;
                rewrite.DstHigh = a.DstHigh;
                rewrite.DstLow = a.DstLow;
            }
            NatStage.Apply(w, m, i, in rewrite);
        }
        if (decrementTtl && !PacketBuilders.DecrementTtl(data + p.L3Offset[i], p.Headers.IpVersion[i]))
        {
            drop = DropReason.TtlExceeded;
            return true;
        }
        WriteL2(w, burst, i, data, in s);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteL2(WorkerContext w, Burst burst, int i, byte* data, in Slot s)
    {
        WriteL2(data, in s);
        burst.Egress[i] = s.EgressPortId;
        var st = w.State;
        st.Marks[i] |= PacketMarks.FastForwarded;
        if (w.Trace is { } t)
            t.Outcome[st.Origin[i]] = PacketOutcome.Forwarded;
    }

    /// <summary>Both MACs of the cached decision.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void WriteL2(byte* data, in Slot s)
    {
        Unsafe.WriteUnaligned(data, s.L2Head);
        Unsafe.WriteUnaligned(data + 8, s.L2Tail);
    }

    /// <summary>The rewrite a slot holds (IPv4 addresses; an IPv6 flow's come from <see cref="V6Addresses"/>).</summary>
    internal static Rewrite Rewrite(in Slot s) => new()
    {
        Fields = s.Fields,
        SrcLow = BinaryPrimitives.ReverseEndianness((uint)s.WireAddresses),
        DstLow = BinaryPrimitives.ReverseEndianness((uint)(s.WireAddresses >> 32)),
        SrcPort = s.SrcPort,
        DstPort = s.DstPort,
    };

    /// <summary>
    /// The cached IPv4 TCP/UDP rewrite with its precomputed checksum deltas, and the TTL decrement (the caller made sure
    /// the TTL is above 1) folded into the same IPv4 checksum update: the same bytes as <see cref="NatRewriter"/>
    /// followed by <see cref="PacketBuilders.DecrementTtl"/> (one's complement addition is associative, and a folded sum
    /// is zero only when every term is).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void RewriteIpv4(byte* ip, byte* l4, in Slot s, bool decrementTtl)
    {
        // The unchanged fields are stored as they were: a slot serves one flow direction, whose tuple every packet carries.
        Unsafe.WriteUnaligned(ip + 12, s.WireAddresses);
        var ipDelta = s.IpWireDelta;
        if (decrementTtl)
        {
            ip[8]--;
            ipDelta = s.IpWireDeltaTtl;
        }
        if (ipDelta != 0)
            Checksum.ApplyWireAt(ip + 10, ipDelta);
        Unsafe.WriteUnaligned(l4, s.WirePorts);
        if (s.L4WireDelta != 0)
        {
            if (s.Precomputed == NatRewriter.Tcp)
                Checksum.ApplyWireAt(l4 + 16, s.L4WireDelta);
            else
                Checksum.ApplyUdpWireAt(l4 + 6, s.L4WireDelta);
        }
    }

    private const uint TtlDecrementDelta = 0xFEFF;

    private static uint Delta32(uint old, uint @new) => old == @new ? 0 : Checksum.Delta32(old, @new);
    private static uint Delta16(ushort old, ushort @new) => old == @new ? 0 : Checksum.Delta16(old, @new);

    /// <summary>Keeps the decision the stages made for packet <paramref name="i"/> of a tracked flow (called by the out stage when it forwards one).</summary>
    internal void Remember(PacketState st, int i, ushort egressPortId, ulong destinationMac, ulong sourceMac)
    {
        if (!Enabled)
            return;
        var entry = st.Entry[i];
        var direction = (st.Marks[i] & PacketMarks.Reply) != 0 ? 1 : 0;
        var key = entry * 2 + direction;
        ref readonly var r = ref st.Rewrite[i];
        if ((r.Fields & (RewriteFields.InnerSrc | RewriteFields.InnerDst)) != 0)
            return;
        ref var s = ref _slots[key & _mask];
        s.Key = key + 1;
        s.EntryGeneration = st.EntryGeneration[i];
        s.Stamp = _stamp;
        s.RxPort = (ushort)st.RxPort;
        s.EgressPortId = egressPortId;
        s.SteadyLow = 0;
        var l2 = stackalloc byte[12];
        MacAddress.Write(l2, destinationMac);
        MacAddress.Write(l2 + 6, sourceMac);
        s.L2Head = Unsafe.ReadUnaligned<ulong>(l2);
        s.L2Tail = Unsafe.ReadUnaligned<uint>(l2 + 8);
        s.Fields = r.Fields;
        s.SrcPort = r.SrcPort;
        s.DstPort = r.DstPort;
        var flow = st.Parsed.Flow[i];
        var src = (r.Fields & RewriteFields.Src) != 0;
        var dst = (r.Fields & RewriteFields.Dst) != 0;
        if (flow.IpVersion == 6)
            _v6[key & _mask] = new V6Addresses { SrcHigh = r.SrcHigh, SrcLow = r.SrcLow, DstHigh = r.DstHigh, DstLow = r.DstLow };
        else
        {
            var newSrc = src ? (uint)r.SrcLow : flow.SrcV4;
            var newDst = dst ? (uint)r.DstLow : flow.DstV4;
            s.WireAddresses = (ulong)BinaryPrimitives.ReverseEndianness(newDst) << 32 | BinaryPrimitives.ReverseEndianness(newSrc);
        }
        // IPv4 TCP/UDP: the checksum deltas are the same for every packet of the flow direction (its tuple is the key).
        s.Precomputed = 0;
        if (flow.IpVersion == 4 && flow.Protocol is NatRewriter.Tcp or NatRewriter.Udp)
        {
            uint ipDelta = 0, portDelta = 0;
            var newSrcPort = flow.SourcePort;
            var newDstPort = flow.DestinationPort;
            if (src)
            {
                ipDelta += Delta32(flow.SrcV4, (uint)r.SrcLow);
                portDelta += Delta16(flow.SourcePort, r.SrcPort);
                newSrcPort = r.SrcPort;
            }
            if (dst)
            {
                ipDelta += Delta32(flow.DstV4, (uint)r.DstLow);
                portDelta += Delta16(flow.DestinationPort, r.DstPort);
                newDstPort = r.DstPort;
            }
            s.WirePorts = (uint)BinaryPrimitives.ReverseEndianness(newDstPort) << 16 | BinaryPrimitives.ReverseEndianness(newSrcPort);
            s.IpWireDelta = Checksum.WireDelta(ipDelta);
            // A TTL decrement (from 2 or more) changes the word TTL|protocol by -0x100: ~old + new is always 0xFEFF.
            s.IpWireDeltaTtl = Checksum.WireDelta((ulong)ipDelta + TtlDecrementDelta);
            s.L4WireDelta = Checksum.WireDelta(ipDelta + portDelta);
            s.Precomputed = flow.Protocol;
            IndexFlow(in flow, st.RxPort, key, s.EntryGeneration);
        }
        Fills++;
    }

    /// <summary>Lets the established-flow prefix find this IPv4 TCP/UDP flow direction's slot by its packets' bytes.</summary>
    private void IndexFlow(in FlowKey flow, int rxPort, int key, uint generation)
    {
        if (Index is not { } index)
            return;
        FlowIndex.KeyOf(in flow, rxPort, out var addresses, out var meta);
        index.Set(addresses, meta, key, generation);
    }
}
