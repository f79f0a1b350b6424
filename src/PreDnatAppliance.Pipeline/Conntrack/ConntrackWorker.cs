using System.Runtime.CompilerServices;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Parsing;

namespace PreDnatAppliance.Pipeline.Conntrack;

/// <summary>
/// One lcore's handle on the shared <see cref="ConntrackTable"/>: batch lookups over a burst, commits, the
/// incremental sweep, and its own counters and cursors. Use each worker from one thread only. Nothing here
/// allocates, locks for readers, throws or calls virtually per packet.
/// </summary>
public sealed unsafe class ConntrackWorker
{
    /// <summary>Packets per internal batch (the burst is processed in chunks of this size).</summary>
    public const int BatchCapacity = ParsedBurst.Capacity;

    private readonly ConntrackTable _table;
    private readonly CtKey[] _keys = new CtKey[BatchCapacity];
    private readonly ulong[] _hashes = new ulong[BatchCapacity];
    private readonly int[] _candidates = new int[BatchCapacity];
    private ConntrackStats _stats;
    private byte* _sideBase;
    private int _sideMask = -1;

    internal ConntrackWorker(ConntrackTable table, int index)
    {
        _table = table;
        Index = index;
        // Spread the workers' eviction cursors over the table.
        EvictCursor = index <= 0 ? 0 : (int)((long)table.Capacity * (index * 0x9E3779B9u % 1024) / 1024);
    }

    public ConntrackTable Table => _table;

    /// <summary>Worker number (order of <see cref="ConntrackTable.CreateWorker"/>; -1 for the table's control handle).</summary>
    public int Index { get; }

    /// <summary>This worker's counters (a copy).</summary>
    public ConntrackStats Stats => _stats;

    internal ref ConntrackStats StatsRef => ref _stats;

    internal int EvictCursor;

    /// <summary>
    /// A per-entry-direction side table of the caller's (64-byte rows at <paramref name="rows"/>, row
    /// <c>(entry * 2 + direction) &amp; mask</c>) that the lookup prefetches together with each candidate entry, so that
    /// it is warm when the caller reads it after the lookup (the forwarding cache of the established-flow fast path).
    /// </summary>
    public void SidePrefetch(void* rows, int mask)
    {
        _sideBase = (byte*)rows;
        _sideMask = rows == null ? -1 : mask;
    }

    /// <summary>
    /// Established results of live entries leave their NAT unread (<see cref="CtResult.NatDeferred"/>): the caller reads
    /// it only for the packets that need it (the conntrack stage forwards most established packets from its forwarding
    /// cache, which keeps the rewrite), saving the reverse of the reply key per packet. Related results and entries the
    /// packet removed (a RST) are always filled.
    /// </summary>
    public bool DeferNat { get; set; }

    /// <summary>Prefetch both candidate buckets of every key in phase 1 (as rte_hash does), not only the primary.</summary>
    internal static readonly bool PrefetchSecondary = Environment.GetEnvironmentVariable("PDA_CT_PREFETCH2") != "0";

    /// <summary>
    /// Classifies a burst and updates the flows it belongs to (nf_conntrack_in for a batch). For each packet i:
    /// <paramref name="flows"/>[i] is its 5-tuple, <paramref name="tcpFlags"/>[i] its TCP flags (0 for other
    /// protocols); when <paramref name="packetFlags"/>[i] has <see cref="PacketFlags.IcmpError"/>, the packet is
    /// looked up by <paramref name="embedded"/>[i] (the flow the error reports on) and is Related or Invalid.
    /// <paramref name="packetFlags"/> and <paramref name="embedded"/> may be empty when there are no ICMP errors.
    /// <paramref name="now"/> is the burst's clock reading (<see cref="ConntrackOptions.TicksPerSecond"/> units).
    /// </summary>
    public void Lookup(ReadOnlySpan<FlowKey> flows, ReadOnlySpan<byte> tcpFlags, ReadOnlySpan<PacketFlags> packetFlags,
        ReadOnlySpan<FlowKey> embedded, Span<CtResult> results, long now)
    {
        var n = flows.Length;
        if (tcpFlags.Length < n || results.Length < n || (!packetFlags.IsEmpty && packetFlags.Length < n))
            ThrowLengths();
        for (var start = 0; start < n; start += BatchCapacity)
        {
            var count = Math.Min(BatchCapacity, n - start);
            LookupChunk(flows.Slice(start, count), tcpFlags.Slice(start, count),
                packetFlags.IsEmpty ? default : packetFlags.Slice(start, count),
                embedded.Length >= start + count ? embedded.Slice(start, count) : default,
                results.Slice(start, count), now);
        }
    }

    /// <summary>The same over the parse stage's side arrays (the first <paramref name="count"/> packets).</summary>
    public void Lookup(ParsedBurst burst, int count, Span<CtResult> results, long now) =>
        Lookup(burst.Flow.AsSpan(0, count), burst.TcpFlags.AsSpan(0, count), burst.Flags.AsSpan(0, count),
            burst.EmbeddedFlow.AsSpan(0, count), results, now);

    /// <summary>One packet (tests, slow paths); same semantics as the batch form.</summary>
    public CtResult Lookup(in FlowKey flow, byte tcpFlags, long now)
    {
        CtResult r = default;
        LookupChunk(new ReadOnlySpan<FlowKey>(in flow), new ReadOnlySpan<byte>(in tcpFlags), default, default, new Span<CtResult>(ref r), now);
        return r;
    }

    /// <summary>One ICMP error reporting on <paramref name="embedded"/> (the offending packet's flow as it travelled).</summary>
    public CtResult LookupIcmpError(in FlowKey outer, in FlowKey embedded, long now)
    {
        CtResult r = default;
        var flags = PacketFlags.IcmpError;
        byte tcp = 0;
        LookupChunk(new ReadOnlySpan<FlowKey>(in outer), new ReadOnlySpan<byte>(in tcp), new ReadOnlySpan<PacketFlags>(in flags),
            new ReadOnlySpan<FlowKey>(in embedded), new Span<CtResult>(ref r), now);
        return r;
    }

    private void LookupChunk(ReadOnlySpan<FlowKey> flows, ReadOnlySpan<byte> tcpFlags, ReadOnlySpan<PacketFlags> packetFlags,
        ReadOnlySpan<FlowKey> embedded, Span<CtResult> results, long now)
    {
        var t = _table;
        var n = flows.Length;
        var keys = _keys;
        var hashes = _hashes;
        var cand = _candidates;
        var anyErrors = !packetFlags.IsEmpty;

        // 1. Keys and hashes; prefetch each key's primary bucket.
        for (var i = 0; i < n; i++)
        {
            if (anyErrors && (packetFlags[i] & PacketFlags.IcmpError) != 0)
            {
                if (embedded.Length <= i)
                    ThrowLengths();
                keys[i] = CtKey.From(embedded[i]).Reverse();
            }
            else
                keys[i] = CtKey.From(flows[i]);
            var h = t.Hash(keys[i]);
            hashes[i] = h;
            ConntrackTable.Prefetch(t.BucketPtr(t.Bucket1(h)));
            if (PrefetchSecondary)
                ConntrackTable.Prefetch(t.BucketPtr(t.Bucket2(h)));
        }

        // 2. Tag compare in the primary bucket; the first match becomes the candidate and its entry is prefetched.
        //    Keys with no match there get their secondary bucket prefetched.
        var needSecond = false;
        for (var i = 0; i < n; i++)
        {
            var h = hashes[i];
            var m = ConntrackTable.MatchTag(t.BucketPtr(t.Bucket1(h)), ConntrackTable.Tag(h));
            if (m != 0)
                cand[i] = Candidate(t, t.BucketPtr(t.Bucket1(h)), m, _sideBase, _sideMask);
            else if (t.Bucket2(h) != t.Bucket1(h))
            {
                cand[i] = -2;
                needSecond = true;
                ConntrackTable.Prefetch(t.BucketPtr(t.Bucket2(h)));
            }
            else
                cand[i] = -1;
        }
        if (needSecond)
        {
            for (var i = 0; i < n; i++)
            {
                if (cand[i] != -2)
                    continue;
                var h = hashes[i];
                var b = t.BucketPtr(t.Bucket2(h));
                var m = ConntrackTable.MatchTag(b, ConntrackTable.Tag(h));
                cand[i] = m != 0 ? Candidate(t, b, m, _sideBase, _sideMask) : -1;
            }
        }

        // 3. Verify the key, run the state machine, fill the result.
        _stats.Lookups += (ulong)n;
        for (var i = 0; i < n; i++)
        {
            ref var r = ref results[i];
            var isError = anyErrors && (packetFlags[i] & PacketFlags.IcmpError) != 0;
            var c = cand[i];
            int e = -1, dir = 0;
            ulong word = 0;
            if (c >= 0)
            {
                var p = t.EntryPtr(c >> 1);
                word = Volatile.Read(ref p->Word);
                if (ConntrackTable.IsLive(word) && CtKey.Equal((c & 1) == 0 ? &p->Orig : &p->Reply, keys[i]))
                {
                    e = c >> 1;
                    dir = c & 1;
                }
                else
                    e = t.Find(keys[i], hashes[i], out dir, out word); // tag collision or a race: the full probe
            }
            if (Process(ref r, e, dir, word, keys[i], hashes[i], tcpFlags[i], isError, now) && DeferNat)
                ResolveDeferred(results, i, in r);
        }
    }

    /// <summary>
    /// Packet <paramref name="i"/> ended its flow (a RST before any reply): the chunk's earlier packets of the flow, which
    /// arrived while it was established, keep their NAT (copied from this packet's result: the entry is gone), so that
    /// they are forwarded as they would have been one packet at a time. They all travelled the original way: a reply
    /// would have kept the RST from ending the flow.
    /// </summary>
    private static void ResolveDeferred(Span<CtResult> results, int i, in CtResult ended)
    {
        for (var j = 0; j < i; j++)
        {
            ref var r = ref results[j];
            if (r.NatDeferred && r.Entry == ended.Entry && r.Generation == ended.Generation)
            {
                r.Nat = ended.Nat;
                r.NatDeferred = false;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Candidate(ConntrackTable t, ulong* bucket, uint mask, byte* side, int sideMask)
    {
        var slot = Volatile.Read(ref bucket[System.Numerics.BitOperations.TrailingZeroCount(mask)]);
        if (slot == 0)
            return -1;
        var r = (int)(uint)slot;   // entry * 2 + direction
        var p = (byte*)t.EntryPtr(r >> 1);
        ConntrackTable.Prefetch(p);
        ConntrackTable.Prefetch(p + 64);
        if (side != null)
            ConntrackTable.Prefetch(side + ((nint)(r & sideMask) << 6));
        return r;
    }

    /// <summary>The lookup's step 3 for one packet; true when the packet ended its flow (the entry is freed already).</summary>
    private bool Process(ref CtResult r, int e, int dir, ulong word, in CtKey key, ulong h, byte tcpFlags, bool isError, long now)
    {
        var t = _table;
        for (var attempt = 0; attempt < 4 && e >= 0; attempt++)
        {
            var p = t.EntryPtr(e);
            if (t.IsExpired(word, Volatile.Read(ref p->LastSeen), now))
            {
                if (t.TryRemove(e, ConntrackTable.Gen(word)))
                    _stats.Expired++;
                break; // a miss
            }
            if (isError)
            {
                t.Fill(ref r, e, word, dir, CtVerdict.Related);
                if (ConntrackTable.StillSame(p, word))
                {
                    _stats.Related++;
                    return false;
                }
            }
            else
            {
                var v = t.Update(this, e, word, dir, tcpFlags, now, out var nw, out var removed);
                t.Fill(ref r, e, nw, dir, v, !DeferNat || removed || v != CtVerdict.Established);
                if (removed)
                    t.Push(e); // claimed by this packet's RST; freed only now that the result is read
                if (removed || ConntrackTable.StillSame(p, word))
                {
                    if (v == CtVerdict.Established) _stats.Established++;
                    else if (v == CtVerdict.ReEvaluate) _stats.ReEvaluate++;
                    else _stats.Invalid++;
                    return removed;
                }
            }
            // The entry was removed or reused while we read it: look again.
            e = t.Find(key, h, out dir, out word);
        }

        var v2 = t.MissVerdict(key.Protocol, tcpFlags, isError);
        r = default;
        r.Verdict = v2;
        r.Entry = -1;
        if (v2 == CtVerdict.New) _stats.New++;
        else _stats.Invalid++;
        return false;
    }

    /// <summary>
    /// The lookup's work for one TCP or UDP packet whose flow the caller already knows (entry <paramref name="e"/> of
    /// generation <paramref name="generation"/>, direction <paramref name="dir"/>; the established-flow prefix's index),
    /// when the state machine's verdict is Established and the packet does not end the flow (<see cref="ConntrackTable.Step"/>):
    /// the entry is updated and refreshed exactly as <see cref="Lookup(in FlowKey, byte, long)"/> would do (the caller
    /// counts the packet with <see cref="CountEstablished"/>). False, with nothing counted, for anything else (the entry gone, reused or expired; a SYN that re-evaluates,
    /// an invalid step, a RST that ends the flow): the caller then looks the packet up as usual. <paramref name="steadyLow"/>
    /// is the caller's memo for this flow direction (0 at first): a word that an ACK-class or UDP packet leaves unchanged,
    /// whose step need not be worked out again (the step is a function of the word, the direction and the class).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryRefreshEstablished(int e, uint generation, int dir, byte protocol, byte tcpFlags, long now, ref uint steadyLow)
    {
        var view = new SteadyView(_table);
        var p = view.Entries + e;
        if (!view.LiveAndCurrent(p, generation, now, out var word, out var age))
            return false;
        if (!SteadyView.IsSteady(word, protocol, tcpFlags, steadyLow))
            return TryStep(e, word, dir, protocol, tcpFlags, now, ref steadyLow);
        return view.Refresh(p, word, age, now);
    }

    /// <summary>
    /// What the established prefix's steady case reads of the table, taken once per burst so that its loop keeps it in
    /// registers: the entries, the timeouts by class, the refresh granularity.
    /// </summary>
    internal readonly struct SteadyView
    {
        public readonly CtEntry* Entries;
        private readonly long* _timeouts;
        private readonly long _granularity;

        public SteadyView(ConntrackTable table)
        {
            Entries = table.EntryPtr(0);
            _timeouts = table.TimeoutTicksPtr;
            _granularity = table.Granularity;
        }

        /// <summary>The entry is live, of <paramref name="generation"/>, and not expired (then the lookup would find it).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool LiveAndCurrent(CtEntry* p, uint generation, long now, out ulong word, out long age)
        {
            word = Volatile.Read(ref p->Word);
            age = now - Volatile.Read(ref p->LastSeen);
            return ConntrackTable.IsLive(word) && ConntrackTable.Gen(word) == generation
                && age <= _timeouts[(word & ConntrackTable.WClassMask) >> ConntrackTable.WClassShift];
        }

        /// <summary>
        /// A UDP datagram, or a TCP segment of the ACK class (ACK without SYN, FIN or RST), on a word seen to step to itself
        /// for such a packet (<paramref name="steadyLow"/>): the step would change nothing but the timer.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static bool IsSteady(ulong word, byte protocol, byte tcpFlags, uint steadyLow) =>
            (uint)word == steadyLow && (protocol == CtKey.ProtoUdp || (tcpFlags & AckClassMask) == TcpTracker.FlagAck);

        /// <summary>Renews the timer as <see cref="ConntrackTable.Refresh"/> does; false when the entry was freed or reused meanwhile.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public bool Refresh(CtEntry* p, ulong word, long age, long now)
        {
            if (age >= _granularity)
                p->LastSeen = now;
            return ConntrackTable.StillSame(p, word);
        }
    }

    private const byte AckClassMask = TcpTracker.FlagAck | TcpTracker.FlagSyn | TcpTracker.FlagFin | TcpTracker.FlagRst;

    /// <summary><see cref="TryRefreshEstablished"/> for a word not known to be steady: the state machine's step.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool TryStep(int e, ulong word, int dir, byte protocol, byte tcpFlags, long now, ref uint steadyLow)
    {
        var t = _table;
        var p = t.EntryPtr(e);
        var low = (uint)word;
        if (protocol is not (CtKey.ProtoTcp or CtKey.ProtoUdp)
            || ConntrackTable.Step(low, dir, tcpFlags, out var newLow, out var refresh, out var rstEnds) != CtVerdict.Established || rstEnds)
            return false;
        if (newLow != low)
        {
            // Another lcore may change the word first: the update then steps from that, and its verdict is the packet's.
            if (t.Update(this, e, word, dir, tcpFlags, now, out _, out var removed) != CtVerdict.Established || removed)
                return false; // nothing done that the lookup will not do again
        }
        else if (refresh)
        {
            t.Refresh(p, now);
            if (protocol == CtKey.ProtoUdp || (tcpFlags & AckClassMask) == TcpTracker.FlagAck)
                steadyLow = low;
        }
        return ConntrackTable.StillSame(p, word);
    }

    /// <summary>Counts <paramref name="packets"/> packets that <see cref="TryRefreshEstablished"/> took as lookups with an Established result.</summary>
    internal void CountEstablished(int packets)
    {
        _stats.Lookups += (ulong)packets;
        _stats.Established += (ulong)packets;
    }

    /// <summary>
    /// Creates the entry for a packet that policy accepted: its original-direction key, the NAT the DNAT stage
    /// chose (<see cref="NatRewrite.None"/> if none) and its TCP flags (SYN starts SYN_SENT; with loose pickup an
    /// ACK starts a picked-up ESTABLISHED entry). Call it only for accepted packets whose lookup said New (or, with
    /// <paramref name="replace"/>, ReEvaluate: the old entry is removed first). When the flow is already tracked
    /// (<see cref="CtCommitStatus.Existing"/>), the packet is processed as part of it and the result holds the NAT to
    /// use. Full / Clash / Invalid: drop the packet with the matching reason.
    /// </summary>
    public CtCommitStatus Commit(in FlowKey original, in NatRewrite nat, byte tcpFlags, long now, out CtResult result, bool replace = false) =>
        _table.Commit(this, original, nat, tcpFlags, now, replace, out result);

    /// <summary>Incremental expiry: visits the entries due by the clock (the whole table once per sweep period,
    /// shared by all workers), at most <see cref="ConntrackOptions.SweepMaxPerCall"/>. Call once per burst or poll.</summary>
    public int Sweep(long now) => _table.Sweep(this, now, _table.Options.SweepMaxPerCall);

    private static void ThrowLengths() =>
        throw new ArgumentException("conntrack lookup: every span must have one element per packet");
}
