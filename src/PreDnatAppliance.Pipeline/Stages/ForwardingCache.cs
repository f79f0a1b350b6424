using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
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
    /// IPv6 addresses live in <see cref="V6Addresses"/>, touched only for IPv6 flows.
    /// </summary>
    [StructLayout(LayoutKind.Explicit, Size = 64)]
    private struct Slot
    {
        /// <summary>entry * 2 + direction + 1 (0: empty).</summary>
        [FieldOffset(0)] public int Key;
        [FieldOffset(4)] public uint EntryGeneration;

        /// <summary>The burst stamp (policy generation, neighbour version) the decision was made under.</summary>
        [FieldOffset(8)] public ulong Stamp;
        [FieldOffset(16)] public ushort RxPort;
        [FieldOffset(18)] public ushort EgressPortId;
        [FieldOffset(20)] public RewriteFields Fields;

        /// <summary>IPv4 TCP (6) or UDP (17) with <see cref="IpDelta"/> and <see cref="L4Delta"/> computed; 0: rewrite with <see cref="NatRewriter"/>.</summary>
        [FieldOffset(21)] public byte Precomputed;
        [FieldOffset(22)] public ushort SrcPort;
        [FieldOffset(24)] public ushort DstPort;

        /// <summary>The incremental checksum deltas of the rewrite (RFC 1624 sums, as <see cref="NatRewriter"/> computes them from
        /// the flow's tuple, which every packet of the flow direction carries): IPv4 header, and TCP/UDP (addresses and ports).</summary>
        [FieldOffset(28)] public uint L4Delta;
        [FieldOffset(32)] public ulong DestinationMac;
        [FieldOffset(40)] public ulong SourceMac;
        [FieldOffset(48)] public ulong SrcLow;
        [FieldOffset(56)] public uint DstV4;
        [FieldOffset(60)] public uint IpDelta;
    }

    private struct V6Addresses
    {
        public ulong SrcHigh, DstHigh, DstLow;
    }

    private readonly Slot[] _pinned;
    private readonly Slot* _slots;      // 64-byte aligned inside _pinned
    private readonly V6Addresses[] _v6;
    private readonly int _mask;
    private ulong _stamp;

    public ForwardingCache(bool enabled = true)
    {
        Enabled = enabled;
        var count = enabled ? SlotCount : 1;
        // Pinned (never moves), one spare slot to align the first on a cache line: the conntrack lookup prefetches a
        // flow's slot by address while it prefetches the flow's entry (ConntrackWorker.SidePrefetch).
        _pinned = GC.AllocateArray<Slot>(count + 1, pinned: true);
        var first = (nuint)Unsafe.AsPointer(ref _pinned[0]);
        _slots = (Slot*)((first + 63) & ~(nuint)63);
        _v6 = new V6Addresses[count];
        _mask = count - 1;
    }

    /// <summary>Off: every packet goes through every stage (to compare against).</summary>
    public bool Enabled { get; }

    /// <summary>Hits and fills so far (diagnostics and tests; written by the owning worker only).</summary>
    public long Hits { get; private set; }
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
            RewriteIpv4(w, data, i, in s, decrementTtl);
            WriteL2(w, burst, i, data, in s);
            return true;
        }
        if (s.Fields != RewriteFields.None)
        {
            var rewrite = new Rewrite { Fields = s.Fields, SrcLow = s.SrcLow, DstLow = s.DstV4, SrcPort = s.SrcPort, DstPort = s.DstPort };
            if (st.Parsed.Headers.IpVersion[i] == 6)
            {
                ref readonly var a = ref _v6[(entry * 2 + direction) & _mask];
                rewrite.SrcHigh = a.SrcHigh;
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
        MacAddress.Write(data, s.DestinationMac);
        MacAddress.Write(data + 6, s.SourceMac);
        burst.Egress[i] = s.EgressPortId;
        var st = w.State;
        st.Marks[i] |= PacketMarks.FastForwarded;
        if (w.Trace is { } t)
            t.Outcome[st.Origin[i]] = PacketOutcome.Forwarded;
    }

    /// <summary>
    /// The cached IPv4 TCP/UDP rewrite with its precomputed checksum deltas, and the TTL decrement (the caller made sure
    /// the TTL is above 1) folded into the same IPv4 checksum update: the same bytes as <see cref="NatRewriter"/>
    /// followed by <see cref="PacketBuilders.DecrementTtl"/> (one's complement addition is associative, and a folded sum
    /// is zero only when every term is).
    /// </summary>
    private static void RewriteIpv4(WorkerContext w, byte* data, int i, in Slot s, bool decrementTtl)
    {
        var p = w.State.Parsed;
        var ip = data + p.L3Offset[i];
        var l4 = data + p.L4Offset[i];
        var src = (s.Fields & RewriteFields.Src) != 0;
        var dst = (s.Fields & RewriteFields.Dst) != 0;
        if (src)
            Checksum.Put32(ip + 12, (uint)s.SrcLow);
        if (dst)
            Checksum.Put32(ip + 16, s.DstV4);
        ulong ipDelta = s.IpDelta;
        if (decrementTtl)
        {
            var ttl = ip[8];
            ip[8] = (byte)(ttl - 1);
            ipDelta += Checksum.Delta16((ushort)(ttl << 8 | ip[9]), (ushort)((ttl - 1) << 8 | ip[9]));
        }
        if (ipDelta != 0)
            Checksum.ApplyAt(ip + 10, ipDelta);
        if (src)
            Checksum.Put16(l4, s.SrcPort);
        if (dst)
            Checksum.Put16(l4 + 2, s.DstPort);
        if (s.L4Delta != 0)
        {
            if (s.Precomputed == NatRewriter.Tcp)
                Checksum.ApplyAt(l4 + 16, s.L4Delta);
            else
                Checksum.ApplyUdpAt(l4 + 6, s.L4Delta, true);
        }
        if (w.Trace is not null)
        {
            var rewrite = new Rewrite { Fields = s.Fields, SrcLow = s.SrcLow, DstLow = s.DstV4, SrcPort = s.SrcPort, DstPort = s.DstPort };
            NatStage.TraceResult(w, i, in rewrite);
        }
    }

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
        s.DestinationMac = destinationMac;
        s.SourceMac = sourceMac;
        s.Fields = r.Fields;
        s.SrcLow = r.SrcLow;
        s.DstV4 = (uint)r.DstLow;
        if (st.Parsed.Headers.IpVersion[i] == 6)
            _v6[key & _mask] = new V6Addresses { SrcHigh = r.SrcHigh, DstHigh = r.DstHigh, DstLow = r.DstLow };
        s.SrcPort = r.SrcPort;
        s.DstPort = r.DstPort;
        // IPv4 TCP/UDP: the checksum deltas are the same for every packet of the flow direction (its tuple is the key).
        var flow = st.Parsed.Flow[i];
        s.Precomputed = 0;
        if (flow.IpVersion == 4 && flow.Protocol is NatRewriter.Tcp or NatRewriter.Udp && (r.Fields & (RewriteFields.Src | RewriteFields.Dst)) != 0)
        {
            uint ipDelta = 0, portDelta = 0;
            if ((r.Fields & RewriteFields.Src) != 0)
            {
                ipDelta += Delta32(flow.SrcV4, (uint)r.SrcLow);
                portDelta += Delta16(flow.SourcePort, r.SrcPort);
            }
            if ((r.Fields & RewriteFields.Dst) != 0)
            {
                ipDelta += Delta32(flow.DstV4, (uint)r.DstLow);
                portDelta += Delta16(flow.DestinationPort, r.DstPort);
            }
            s.IpDelta = ipDelta;
            s.L4Delta = ipDelta + portDelta;
            s.Precomputed = flow.Protocol;
        }
        Fills++;
    }
}
