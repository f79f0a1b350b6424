using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Pipeline.Conntrack;

/// <summary>
/// One table entry: both directions' keys, the NAT (implicit in the reply key), state and timestamps. 128 bytes,
/// 128-byte aligned: line 0 holds the original key and everything that changes; line 1 the reply key.
/// </summary>
[StructLayout(LayoutKind.Explicit, Size = 128)]
internal struct CtEntry
{
    [FieldOffset(0)] public CtKey Orig;

    /// <summary>Generation (high 32 bits; even = live, odd = free, dying or being inserted) | state (low 32 bits,
    /// see <see cref="ConntrackTable"/>'s W* constants). Every state change is a CAS on this word, so a change
    /// can never land on an entry that was freed and reused meanwhile.</summary>
    [FieldOffset(40)] public ulong Word;

    /// <summary>When a packet last refreshed the entry (the caller's clock).</summary>
    [FieldOffset(48)] public long LastSeen;
    [FieldOffset(56)] public ushort ServiceIndex;
    [FieldOffset(58)] public byte NatKind;

    /// <summary>Next free entry while on the free list (-1: none).</summary>
    [FieldOffset(60)] public int NextFree;
    [FieldOffset(64)] public CtKey Reply;
    [FieldOffset(104)] public long Created;
}

/// <summary>
/// The connection tracking table: a fixed number of entries and a hash index that finds an entry by either
/// direction's key, shared by every worker lcore. Lookups never lock or wait; inserts lock the two candidate
/// buckets of one key at a time; removals claim an entry with one CAS. All memory is native and allocated in the
/// constructor. Per-lcore operations go through a <see cref="ConntrackWorker"/> (<see cref="CreateWorker"/>);
/// control-plane operations (purge, full sweep, dump) are on the table. Design: docs/conntrack.md.
/// </summary>
public sealed unsafe class ConntrackTable : IDisposable
{
    // Word, low 32 bits.
    internal const uint WStateMask = 0xF;
    internal const int WClassShift = 4;
    internal const uint WClassMask = 0xF0;
    internal const int WStatusShift = 8;
    internal const uint WSeenReply = 1u << 8, WAssured = 2u << 8, WPickup = 4u << 8;
    internal const uint WInserting = 1u << 16;
    internal const int WProtoShift = 24;

    internal const int SlotsPerBucket = 8;

    private readonly HugePageBlock _entryMemory, _bucketMemory;
    private readonly CtEntry* _entries;
    private readonly ulong* _buckets;
    private readonly int* _locks;
    private readonly long* _timeoutTicks;
    private readonly uint _bucketCount;
    private readonly int _capacity;
    private readonly CtHasher _hasher;
    private readonly long _granularity;
    private readonly long _sweepPeriodTicks;
    private readonly List<ConntrackWorker> _workers = new();
    private readonly object _workersLock = new();
    private readonly ConntrackWorker _control;
    private readonly nuint _entryBytes, _bucketBytes, _lockBytes;

    // Free list: Treiber stack of entry indices, head = (ABA tag << 32) | (index + 1).
    private long _freeHead;

    // Sweep: entries visited so far, and the clock at the first sweep.
    private long _sweepDone;
    private long _sweepOrigin = long.MinValue;
    private int _disposed;

    public ConntrackTable(ConntrackOptions? options = null)
    {
        Options = options ?? new ConntrackOptions();
        if (Options.Capacity < 1 || Options.Capacity > (1 << 30))
            throw new ArgumentOutOfRangeException(nameof(options), "Capacity must be between 1 and 2^30 flows");
        if (Options.IndexLoadFactor is <= 0.05 or > 0.95)
            throw new ArgumentOutOfRangeException(nameof(options), "IndexLoadFactor must be in (0.05, 0.95]");
        if (Options.EvictionWindow < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "EvictionWindow must be at least 1");
        if (Options.TicksPerSecond < 1)
            throw new ArgumentOutOfRangeException(nameof(options), "TicksPerSecond must be positive");

        _capacity = Options.Capacity;
        var keys = 2.0 * _capacity;
        _bucketCount = (uint)Math.Max(2, Math.Ceiling(keys / (SlotsPerBucket * Options.IndexLoadFactor)));
        _hasher = new CtHasher(Options.HashSeed != 0 ? Options.HashSeed : (ulong)Random.Shared.NextInt64() ^ (ulong)Environment.TickCount64 << 32);
        _granularity = (long)(Options.LastSeenGranularitySeconds * Options.TicksPerSecond);
        _sweepPeriodTicks = Math.Max(1, (long)(Options.SweepPeriodSeconds * Options.TicksPerSecond));

        _entryBytes = (nuint)_capacity * (nuint)sizeof(CtEntry);
        _bucketBytes = (nuint)_bucketCount * SlotsPerBucket * sizeof(ulong);
        _lockBytes = (nuint)_bucketCount * sizeof(int);
        // Every packet touches an entry and a bucket at random: huge pages keep them in a few TLB entries.
        _entryMemory = new HugePageBlock((long)_entryBytes);
        _bucketMemory = new HugePageBlock((long)_bucketBytes);
        _entries = (CtEntry*)_entryMemory.Pointer;
        _buckets = (ulong*)_bucketMemory.Pointer;
        _locks = (int*)NativeMemory.AlignedAlloc(_lockBytes, 64);
        _timeoutTicks = (long*)NativeMemory.AlignedAlloc((nuint)(sizeof(long) * (int)TimeoutClass.Count), 64);

        // Every page is written here (the huge page blocks clear theirs), so the table's memory is resident and fixed from the start.
        NativeMemory.Clear(_locks, _lockBytes);
        // The free list visits the entries in a golden-ratio stride permutation, not in index order: flows that are
        // created together (e.g. the established flows of a fresh table) end up spread over the array, so the
        // eviction window (consecutive entries) always sees a sample of the table's ages and kinds.
        var stride = Stride(_capacity);
        var e = 0;
        for (var k = 0; k < _capacity; k++)
        {
            var next = (int)((e + stride) % _capacity);
            _entries[e].Word = 1UL << 32; // generation 1: free
            _entries[e].NextFree = k + 1 < _capacity ? next : -1;
            e = next;
        }
        _freeHead = 1; // entry 0, tag 0
        for (var c = 0; c < (int)TimeoutClass.Count; c++)
            _timeoutTicks[c] = (long)(Options.Timeouts.Seconds((TimeoutClass)c) * Options.TicksPerSecond);
        _timeoutTicks[(int)TimeoutClass.None] = long.MaxValue;

        _control = new ConntrackWorker(this, -1);
    }

    ~ConntrackTable() => Free();

    /// <summary>A step coprime with n near n/phi (visits every entry once, consecutive steps far apart).</summary>
    private static long Stride(int n)
    {
        if (n <= 2)
            return 1;
        for (var s = (long)(n * 0.6180339887498949); s > 0; s--)
            if (System.Numerics.BigInteger.GreatestCommonDivisor(s, n).IsOne)
                return s;
        return 1;
    }

    public ConntrackOptions Options { get; }

    /// <summary>Most flows the table holds.</summary>
    public int Capacity => _capacity;

    /// <summary>Number of index buckets (8 slots of 8 bytes each).</summary>
    public long BucketCount => _bucketCount;

    /// <summary>Native memory the table holds (entries, index, bucket locks), fixed for its lifetime.</summary>
    public long MemoryBytes => (long)(_entryBytes + _bucketBytes + _lockBytes) + sizeof(long) * (int)TimeoutClass.Count;

    public double BytesPerFlow => (double)MemoryBytes / _capacity;

    /// <summary>Timeout of a class in the caller's ticks.</summary>
    internal long TimeoutTicks(TimeoutClass c) => _timeoutTicks[(int)c];

    internal long Granularity => _granularity;

    /// <summary>The timeout of each class, in ticks (indexed by the word's class bits).</summary>
    internal long* TimeoutTicksPtr => _timeoutTicks;
    internal bool LoosePickup => Options.TcpLoosePickup;

    /// <summary>A handle for one lcore: its scratch space, cursors and counters. Create one per worker at start.</summary>
    public ConntrackWorker CreateWorker()
    {
        lock (_workersLock)
        {
            var w = new ConntrackWorker(this, _workers.Count);
            _workers.Add(w);
            return w;
        }
    }

    /// <summary>Counters summed over every worker and the control plane (racy but tear-free reads).</summary>
    public ConntrackStats Stats
    {
        get
        {
            var s = _control.Stats;
            lock (_workersLock)
                foreach (var w in _workers)
                    s = s.Add(w.Stats);
            return s;
        }
    }

    /// <summary>Live entries by the counters (inserted minus removed); exact when no operation is in flight.</summary>
    public long Count
    {
        get
        {
            var s = Stats;
            return (long)s.Inserted - (long)s.Removed;
        }
    }

    /// <summary>Live entries by scanning the table (control plane, tests).</summary>
    public int CountLive()
    {
        var n = 0;
        for (var i = 0; i < _capacity; i++)
            if (IsLive(Volatile.Read(ref _entries[i].Word)))
                n++;
        return n;
    }

    // ---------------------------------------------------------------- word helpers

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool IsLive(ulong word) => (word & (1UL << 32)) == 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Gen(ulong word) => (uint)(word >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsExpired(ulong word, long lastSeen, long now) => IsExpiredAt(word, now - lastSeen);

    /// <summary>Whether an entry last seen <paramref name="age"/> ticks ago has timed out in its word's timeout class.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsExpiredAt(ulong word, long age) => age > _timeoutTicks[(word & WClassMask) >> WClassShift];

    // ---------------------------------------------------------------- hashing and buckets

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong Hash(in CtKey key) => _hasher.Hash(key);

    /// <summary>Tag stored in a slot's high half: 32 hash bits, never zero (a zero slot is empty).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint Tag(ulong h) => (uint)(h >> 32) | 1;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Bucket1(ulong h) => (uint)(((ulong)(uint)h * _bucketCount) >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal uint Bucket2(ulong h) => (uint)(((ulong)((uint)(h >> 32) * 0x9E3779B1u ^ (uint)h >> 16) * _bucketCount) >> 32);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ulong* BucketPtr(uint b) => _buckets + (nuint)b * SlotsPerBucket;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal CtEntry* EntryPtr(int e) => _entries + e;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Prefetch(void* p)
    {
        if (Sse.IsSupported)
            Sse.Prefetch0(p);
    }

    /// <summary>Bit i set when slot i's tag equals <paramref name="tag"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static uint MatchTag(ulong* bucket, uint tag)
    {
        var want = (ulong)tag << 32;
        if (Vector512.IsHardwareAccelerated)
        {
            var v = Vector512.Load(bucket) & Vector512.Create(0xFFFF_FFFF_0000_0000UL);
            return (uint)Vector512.Equals(v, Vector512.Create(want)).ExtractMostSignificantBits();
        }
        if (Vector256.IsHardwareAccelerated)
        {
            var m = Vector256.Create(0xFFFF_FFFF_0000_0000UL);
            var t = Vector256.Create(want);
            var lo = Vector256.Equals(Vector256.Load(bucket) & m, t).ExtractMostSignificantBits();
            var hi = Vector256.Equals(Vector256.Load(bucket + 4) & m, t).ExtractMostSignificantBits();
            return lo | hi << 4;
        }
        uint r = 0;
        for (var i = 0; i < SlotsPerBucket; i++)
            if ((bucket[i] & 0xFFFF_FFFF_0000_0000UL) == want)
                r |= 1u << i;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint MatchEmpty(ulong* bucket)
    {
        if (Vector512.IsHardwareAccelerated)
            return (uint)Vector512.Equals(Vector512.Load(bucket), Vector512<ulong>.Zero).ExtractMostSignificantBits();
        uint r = 0;
        for (var i = 0; i < SlotsPerBucket; i++)
            if (Volatile.Read(ref bucket[i]) == 0)
                r |= 1u << i;
        return r;
    }

    // ---------------------------------------------------------------- find

    /// <summary>
    /// Finds the live entry holding <paramref name="key"/> in either direction. Lock-free: the caller must re-check
    /// the generation in <paramref name="word"/> after reading the entry (see <see cref="StillSame"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Find(in CtKey key, ulong h, out int dir, out ulong word)
    {
        var tag = Tag(h);
        var b1 = Bucket1(h);
        var e = FindInBucket(BucketPtr(b1), key, tag, false, out dir, out word);
        if (e >= 0)
            return e;
        var b2 = Bucket2(h);
        return b2 == b1 ? -1 : FindInBucket(BucketPtr(b2), key, tag, false, out dir, out word);
    }

    internal int FindInBucket(ulong* bucket, in CtKey key, uint tag, bool includeInserting, out int dir, out ulong word)
    {
        var m = MatchTag(bucket, tag);
        while (m != 0)
        {
            var i = BitOperations.TrailingZeroCount(m);
            m &= m - 1;
            var slot = Volatile.Read(ref bucket[i]);
            if ((uint)(slot >> 32) != tag)
                continue;
            var r = (uint)slot;
            var p = _entries + (r >> 1);
            var w = Volatile.Read(ref p->Word);
            if (!IsLive(w) && !(includeInserting && (w & WInserting) != 0))
                continue;
            if (!CtKey.Equal((r & 1) == 0 ? &p->Orig : &p->Reply, key))
                continue;
            dir = (int)(r & 1);
            word = w;
            return (int)(r >> 1);
        }
        dir = 0;
        word = 0;
        return -1;
    }

    /// <summary>Whether entry <paramref name="e"/> is still the live flow of generation <paramref name="generation"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool IsLive(int e, uint generation)
    {
        var word = Volatile.Read(ref _entries[e].Word);
        return IsLive(word) && Gen(word) == generation;
    }

    /// <summary>After reading an entry found lock-free: true if it was not freed or reused meanwhile.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool StillSame(CtEntry* p, ulong word)
    {
        Volatile.ReadBarrier();
        return Gen(Volatile.Read(ref p->Word)) == Gen(word);
    }

    // ---------------------------------------------------------------- bucket locks (writers only)

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Lock(uint b)
    {
        ref var l = ref _locks[b];
        while (Interlocked.CompareExchange(ref l, 1, 0) != 0)
        {
            do Thread.SpinWait(4);
            while (Volatile.Read(ref l) != 0);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Unlock(uint b) => Volatile.Write(ref _locks[b], 0);

    private void LockPair(uint b1, uint b2)
    {
        if (b1 == b2) { Lock(b1); return; }
        if (b1 < b2) { Lock(b1); Lock(b2); }
        else { Lock(b2); Lock(b1); }
    }

    private void UnlockPair(uint b1, uint b2)
    {
        Unlock(b1);
        if (b2 != b1)
            Unlock(b2);
    }

    /// <summary>Primary bucket fill below which a key always goes to its primary bucket.</summary>
    private const int PrimaryFillLimit = 6;

    /// <summary>
    /// Puts a slot for (h, reference) in the key's primary bucket while that holds fewer than 6 keys, else in the
    /// less loaded of its two buckets. Pure "primary first" overflows buckets at load 0.5 (about 5 keys in 10^4 find
    /// both buckets full); pure "less loaded" puts 30% of keys in their secondary bucket, which costs hits a second
    /// bucket read. This rule gives no overflow in simulation at 1M flows and keeps about 95% of keys in their primary
    /// bucket (87% after heavy churn). Caller holds both buckets' locks.
    /// </summary>
    private bool InsertSlot(ulong h, uint reference)
    {
        var value = (ulong)Tag(h) << 32 | reference;
        var b1 = Bucket1(h);
        var bucket = BucketPtr(b1);
        var empty = MatchEmpty(bucket);
        var free1 = BitOperations.PopCount(empty);
        if (SlotsPerBucket - free1 >= PrimaryFillLimit)
        {
            var b2 = Bucket2(h);
            if (b2 != b1)
            {
                var bucket2 = BucketPtr(b2);
                var empty2 = MatchEmpty(bucket2);
                if (BitOperations.PopCount(empty2) > free1)
                {
                    bucket = bucket2;
                    empty = empty2;
                }
            }
        }
        if (empty == 0)
            return false;
        // Removers clear slots without the lock; a slot seen empty stays empty until we write it (only lock holders fill).
        Volatile.Write(ref bucket[BitOperations.TrailingZeroCount(empty)], value);
        return true;
    }

    /// <summary>Clears the slot holding exactly (h, reference), if any. Lock-free (CAS).</summary>
    private void ClearSlot(ulong h, uint reference)
    {
        var value = (ulong)Tag(h) << 32 | reference;
        if (ClearIn(BucketPtr(Bucket1(h)), value))
            return;
        ClearIn(BucketPtr(Bucket2(h)), value);
    }

    private static bool ClearIn(ulong* bucket, ulong value)
    {
        for (var i = 0; i < SlotsPerBucket; i++)
            if (Volatile.Read(ref bucket[i]) == value && Interlocked.CompareExchange(ref bucket[i], 0, value) == value)
                return true;
        return false;
    }

    // ---------------------------------------------------------------- free list

    internal int Pop()
    {
        while (true)
        {
            var head = Volatile.Read(ref _freeHead);
            var idx = (int)(uint)head - 1;
            if (idx < 0)
                return -1;
            var next = Volatile.Read(ref _entries[idx].NextFree);
            var newHead = (long)(((ulong)head >> 32) + 1 << 32 | (uint)(next + 1));
            if (Interlocked.CompareExchange(ref _freeHead, newHead, head) == head)
                return idx;
        }
    }

    internal void Push(int e)
    {
        while (true)
        {
            var head = Volatile.Read(ref _freeHead);
            Volatile.Write(ref _entries[e].NextFree, (int)(uint)head - 1);
            var newHead = (long)(((ulong)head >> 32) + 1 << 32 | (uint)(e + 1));
            if (Interlocked.CompareExchange(ref _freeHead, newHead, head) == head)
                return;
        }
    }

    // ---------------------------------------------------------------- remove

    /// <summary>
    /// Claims a live entry of generation <paramref name="gen"/> (one CAS: whoever wins removes it) and unlinks both
    /// of its keys from the index. The entry is then owned by the caller: push it or reuse it.
    /// </summary>
    internal bool TryClaim(int e, uint gen)
    {
        var p = _entries + e;
        while (true)
        {
            var w = Volatile.Read(ref p->Word);
            if (Gen(w) != gen || !IsLive(w))
                return false;
            var dying = (ulong)(gen + 1) << 32 | (uint)w;
            if (Interlocked.CompareExchange(ref p->Word, dying, w) == w)
                break;
        }
        ClearSlot(Hash(p->Orig), (uint)e << 1);
        ClearSlot(Hash(p->Reply), (uint)e << 1 | 1);
        return true;
    }

    /// <summary>Removes an entry if it still has generation <paramref name="gen"/>; true if this call removed it.</summary>
    internal bool TryRemove(int e, uint gen)
    {
        if (!TryClaim(e, gen))
            return false;
        Push(e);
        return true;
    }

    // ---------------------------------------------------------------- per-packet state machine

    /// <summary>
    /// Runs one packet of a live entry through the state machine and refreshes it. Returns the verdict and the
    /// word after the update. <paramref name="removed"/> is set when the packet ended the flow at once (a RST
    /// before any reply, as Linux does): the entry is then claimed and unlinked but not yet freed, so the caller
    /// can still read it; the caller must <see cref="Push"/> it afterwards.
    /// </summary>
    internal CtVerdict Update(ConntrackWorker w, int e, ulong word, int dir, byte tcpFlags, long now, out ulong newWord, out bool removed)
    {
        var p = _entries + e;
        removed = false;
        for (var attempt = 0; ; attempt++)
        {
            var low = (uint)word;
            var verdict = Step(low, dir, tcpFlags, out var newLow, out var refresh, out var rstEnds);
            if (verdict != CtVerdict.Established)
            {
                newWord = word;
                return verdict;
            }
            if (rstEnds)
            {
                // "If only reply is a RST, we can consider ourselves not to have an established connection"
                // (Linux kills the entry at once; likewise an abort before any reply).
                removed = TryClaim(e, Gen(word));
                if (removed)
                    w.StatsRef.Closed++;
                newWord = word;
                return CtVerdict.Established;
            }
            if (newLow != low)
            {
                var desired = (word & 0xFFFF_FFFF_0000_0000UL) | newLow;
                var seen = Interlocked.CompareExchange(ref p->Word, desired, word);
                if (seen != word)
                {
                    // Another lcore changed the entry: redo on the fresh word, unless the entry went away.
                    if (Gen(seen) != Gen(word) || attempt > 8)
                    {
                        newWord = seen;
                        return CtVerdict.Established;
                    }
                    word = seen;
                    continue;
                }
                p->LastSeen = now;
                newWord = desired;
                return CtVerdict.Established;
            }
            if (refresh)
                Refresh(p, now);
            newWord = word;
            return CtVerdict.Established;
        }
    }

    /// <summary>Renews an entry's timer, at most once per <see cref="Granularity"/> (the line stays clean in between).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Refresh(CtEntry* p, long now)
    {
        if (now - p->LastSeen >= _granularity)
            p->LastSeen = now;
    }

    /// <summary>
    /// The state machine's step for one packet of a live entry whose word has low half <paramref name="low"/>: the verdict,
    /// the low half after it, whether the timer is renewed, and whether the packet (a RST before any reply) ends the flow.
    /// Pure: <see cref="Update"/> applies it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static CtVerdict Step(uint low, int dir, byte tcpFlags, out uint newLow, out bool refresh, out bool rstEnds)
    {
        newLow = low;
        refresh = true;
        rstEnds = false;
        var proto = (byte)(low >> WProtoShift);
        if (proto == CtKey.ProtoTcp)
        {
            var cls = TcpTracker.Class(tcpFlags);
            var st = (int)(low & WStateMask);
            if (cls == TcpTracker.Syn && TcpTracker.IsStaleForSyn(st))
            {
                refresh = false;
                return CtVerdict.ReEvaluate;
            }
            var next = TcpTracker.Next(dir, cls, st);
            if (next == TcpTracker.Iv)
            {
                refresh = false;
                return CtVerdict.Invalid;
            }
            if (next == TcpTracker.Ig)
            {
                refresh = false;
                return CtVerdict.Established;
            }
            var seenBefore = (low & WSeenReply) != 0;
            if (cls == TcpTracker.Rst && !seenBefore)
            {
                refresh = false;
                rstEnds = true;
                return CtVerdict.Established;
            }
            if (cls == TcpTracker.Syn && st == (int)TcpCtState.SynSent && dir == 0)
                refresh = false; // a retransmitted SYN does not renew the timer
            var status = low & (WSeenReply | WAssured | WPickup);
            if (dir == 1)
                status |= WSeenReply;
            if (seenBefore && (status & WAssured) == 0 && next == (int)TcpCtState.Established
                && st is (int)TcpCtState.SynRecv or (int)TcpCtState.Established)
                status |= WAssured;
            var cls2 = next == (int)TcpCtState.Established && (status & WSeenReply) == 0
                ? (uint)TimeoutClass.TcpUnacknowledged
                : next;
            newLow = (low & 0xFFFF_0000u) | status | cls2 << WClassShift | next;
        }
        else if (dir == 1 && (low & WSeenReply) == 0)
        {
            if (proto is CtKey.ProtoUdp or CtKey.ProtoUdpLite)
                newLow = (low & ~WClassMask) | WSeenReply | WAssured | (uint)TimeoutClass.UdpStream << WClassShift;
            else if (CtKey.IsIcmp(proto))
                newLow = low | WSeenReply;
            else
                newLow = low | WSeenReply | WAssured;
        }
        return CtVerdict.Established;
    }

    /// <summary>The verdict for a packet that found no entry.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal CtVerdict MissVerdict(byte protocol, byte tcpFlags, bool icmpError)
    {
        if (icmpError)
            return CtVerdict.Invalid;
        if (protocol == CtKey.ProtoTcp)
        {
            var cls = TcpTracker.Class(tcpFlags);
            if (cls == TcpTracker.Syn || (cls == TcpTracker.Ack && Options.TcpLoosePickup))
                return CtVerdict.New;
            return CtVerdict.Invalid;
        }
        return CtVerdict.New;
    }

    /// <summary>Fills a result from a live entry (NAT rebuilt from the reply key).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Fill(ref CtResult r, int e, ulong word, int dir, CtVerdict verdict, bool withNat = true)
    {
        var p = _entries + e;
        r.Verdict = verdict;
        r.Direction = (CtDirection)dir;
        r.State = (TcpCtState)(word & WStateMask);
        r.Status = (CtStatus)((word >> WStatusShift) & 7);
        r.Entry = e;
        r.Generation = Gen(word);
        r.NatDeferred = !withNat;
        r.Nat = withNat ? NatOf(p) : default;
    }

    /// <summary>The NAT of entry <paramref name="e"/> if it is still the live flow of <paramref name="generation"/>
    /// (a deferred <see cref="CtResult.Nat"/>); false when it went away meanwhile.</summary>
    public bool TryNat(int e, uint generation, out NatRewrite nat)
    {
        var p = _entries + e;
        var word = Volatile.Read(ref p->Word);
        nat = NatOf(p);
        return IsLive(word) && Gen(word) == generation && StillSame(p, word);
    }

    internal static NatRewrite NatOf(CtEntry* p)
    {
        var kind = (NatKind)p->NatKind;
        if (kind == NatKind.None)
            return p->ServiceIndex == 0 ? default : new NatRewrite(NatKind.None, 0, 0, 0, 0, 0, 0, p->ServiceIndex);
        var post = p->Reply.Reverse(); // the original direction as the backend sees it
        ulong dh = 0, dl = 0, sh = 0, sl = 0;
        ushort dp = 0, sp = 0;
        if ((kind & NatKind.Dnat) != 0) { dh = post.DstHigh; dl = post.DstLow; dp = post.DestinationPort; }
        if ((kind & NatKind.Snat) != 0) { sh = post.SrcHigh; sl = post.SrcLow; sp = post.SourcePort; }
        return new NatRewrite(kind, dh, dl, dp, sh, sl, sp, p->ServiceIndex);
    }

    // ---------------------------------------------------------------- commit

    /// <summary>Internal outcome of one commit attempt: lost a race with a concurrent insert of the same key; try again.</summary>
    private const CtCommitStatus Retry = (CtCommitStatus)255;

    internal CtCommitStatus Commit(ConntrackWorker w, in FlowKey original, in NatRewrite nat, byte tcpFlags, long now, bool replace, out CtResult result)
    {
        for (var attempt = 0; ; attempt++)
        {
            var st = CommitOnce(w, original, nat, tcpFlags, now, replace && attempt == 0, attempt >= 7, out result);
            if (st != Retry)
                return st;
            Thread.SpinWait(16 << Math.Min(attempt, 6));
        }
    }

    private CtCommitStatus CommitOnce(ConntrackWorker w, in FlowKey original, in NatRewrite nat, byte tcpFlags, long now, bool replace, bool lastAttempt, out CtResult result)
    {
        result = default;
        result.Entry = -1;
        var key = CtKey.From(original);
        var proto = key.Protocol;

        uint low;
        if (proto == CtKey.ProtoTcp)
        {
            var cls = TcpTracker.Class(tcpFlags);
            if (cls == TcpTracker.Syn)
                low = (uint)TcpCtState.SynSent | (uint)TimeoutClass.TcpSynSent << WClassShift;
            else if (cls == TcpTracker.Ack && Options.TcpLoosePickup)
                low = (uint)TcpCtState.Established | (uint)TimeoutClass.TcpUnacknowledged << WClassShift | WPickup;
            else
            {
                result.Verdict = CtVerdict.Invalid;
                w.StatsRef.CommitInvalid++;
                return CtCommitStatus.Invalid;
            }
        }
        else if (proto is CtKey.ProtoUdp or CtKey.ProtoUdpLite)
            low = (uint)TimeoutClass.UdpUnreplied << WClassShift;
        else if (CtKey.IsIcmp(proto))
            low = (uint)TimeoutClass.Icmp << WClassShift;
        else
            low = (uint)TimeoutClass.Generic << WClassShift;
        low |= (uint)proto << WProtoShift;

        var reply = CtKey.From(nat.Apply(original)).Reverse();
        var hk = Hash(key);
        var hr = Hash(reply);
        // The four buckets this commit reads, all at once (their misses overlap instead of queueing).
        Prefetch(BucketPtr(Bucket1(hk)));
        Prefetch(BucketPtr(Bucket2(hk)));
        Prefetch(BucketPtr(Bucket1(hr)));
        Prefetch(BucketPtr(Bucket2(hr)));

        if (replace)
        {
            for (var i = 0; i < 4; i++)
            {
                var old = Find(key, hk, out _, out var ow);
                if (old < 0)
                    break;
                if (TryRemove(old, Gen(ow)))
                    w.StatsRef.Replaced++;
            }
        }

        // Already there (a second packet of the flow in the same burst, or another lcore won the race)?
        if (TryExisting(w, key, hk, tcpFlags, now, ref result))
            return CtCommitStatus.Existing;

        var e = Pop();
        if (e < 0)
            e = Evict(w, now);
        if (e < 0)
        {
            result.Verdict = CtVerdict.New;
            w.StatsRef.Full++;
            return CtCommitStatus.Full;
        }

        var p = _entries + e;
        var gen = Gen(Volatile.Read(ref p->Word)); // odd: free
        p->Orig = key;
        p->Reply = reply;
        p->LastSeen = now;
        p->Created = now;
        p->NatKind = (byte)nat.Kind;
        p->ServiceIndex = nat.ServiceIndex;
        Volatile.Write(ref p->Word, (ulong)gen << 32 | low | WInserting);

        // Original key: lock its two buckets, check nobody has it (live or being inserted), add the slot.
        uint k1 = Bucket1(hk), k2 = Bucket2(hk);
        LockPair(k1, k2);
        var other = FindInBucket(BucketPtr(k1), key, Tag(hk), true, out _, out _);
        if (other < 0 && k2 != k1)
            other = FindInBucket(BucketPtr(k2), key, Tag(hk), true, out _, out _);
        if (other >= 0)
        {
            UnlockPair(k1, k2);
            Abandon(p, e, gen);
            if (TryExisting(w, key, hk, tcpFlags, now, ref result))
                return CtCommitStatus.Existing;
            // Another lcore is inserting this flow right now: wait for it to publish (or fail) and look again.
            if (!lastAttempt)
                return Retry;
            var op = _entries + other;
            var ow = Volatile.Read(ref op->Word);
            Fill(ref result, other, ow, 0, CtVerdict.Established);
            if (!StillSame(op, ow))
                return Retry;
            w.StatsRef.Existing++;
            return CtCommitStatus.Existing;
        }
        var okKey = InsertSlot(hk, (uint)e << 1);
        UnlockPair(k1, k2);
        if (!okKey)
        {
            Abandon(p, e, gen);
            w.StatsRef.IndexFull++;
            w.StatsRef.Full++;
            return CtCommitStatus.Full;
        }

        // Reply key: must not belong to another flow (a NAT tuple clash).
        uint r1 = Bucket1(hr), r2 = Bucket2(hr);
        LockPair(r1, r2);
        var clash = FindInBucket(BucketPtr(r1), reply, Tag(hr), true, out _, out _);
        if (clash < 0 && r2 != r1)
            clash = FindInBucket(BucketPtr(r2), reply, Tag(hr), true, out _, out _);
        var okReply = clash < 0 && InsertSlot(hr, (uint)e << 1 | 1);
        UnlockPair(r1, r2);
        if (!okReply)
        {
            ClearSlot(hk, (uint)e << 1);
            Abandon(p, e, gen);
            if (clash >= 0)
            {
                w.StatsRef.Clash++;
                return CtCommitStatus.Clash;
            }
            w.StatsRef.IndexFull++;
            w.StatsRef.Full++;
            return CtCommitStatus.Full;
        }

        // The result is read while the entry is still ours: once published, another lcore may evict and reuse it.
        result.Verdict = CtVerdict.New;
        result.Direction = CtDirection.Original;
        result.State = (TcpCtState)(low & WStateMask);
        result.Status = (CtStatus)((low >> WStatusShift) & 7);
        result.Entry = e;
        result.Nat = NatOf(p);
        Volatile.Write(ref p->Word, (ulong)(gen + 1) << 32 | low);
        w.StatsRef.Inserted++;
        return CtCommitStatus.Inserted;
    }

    private bool TryExisting(ConntrackWorker w, in CtKey key, ulong hk, byte tcpFlags, long now, ref CtResult result)
    {
        for (var attempt = 0; attempt < 4; attempt++)
        {
            var e = Find(key, hk, out var dir, out var word);
            if (e < 0)
                return false;
            var p = _entries + e;
            if (IsExpired(word, Volatile.Read(ref p->LastSeen), now))
            {
                if (TryRemove(e, Gen(word)))
                    w.StatsRef.Expired++;
                continue;
            }
            var v = Update(w, e, word, dir, tcpFlags, now, out var nw, out var removed);
            Fill(ref result, e, nw, dir, v);
            if (removed)
                Push(e);
            else if (!StillSame(p, word))
                continue;
            w.StatsRef.Existing++;
            return true;
        }
        return false;
    }

    /// <summary>Returns an entry that never went live to the free list (generation + 2: still odd, but changed, so
    /// whoever read it while it was in flight can tell).</summary>
    private void Abandon(CtEntry* p, int e, uint gen)
    {
        Volatile.Write(ref p->Word, (ulong)(gen + 2) << 32);
        Push(e);
    }

    // ---------------------------------------------------------------- eviction

    /// <summary>
    /// Admission under pressure: looks at the next <see cref="ConntrackOptions.EvictionWindow"/> entries from the
    /// worker's cursor and takes, in this order, an expired entry, else the least recently seen unassured entry,
    /// else the least recently seen assured TCP entry in a closing state. Assured live flows are never taken.
    /// Returns the claimed (unlinked, owned) entry, or -1.
    /// </summary>
    internal int Evict(ConntrackWorker w, long now)
    {
        for (var round = 0; round < 2; round++)
        {
            var c = w.EvictCursor;
            int best = -1, bestRank = int.MaxValue;
            long bestSeen = long.MaxValue;
            uint bestGen = 0;
            for (var k = 0; k < Options.EvictionWindow; k++)
            {
                var e = c;
                c = c + 1 == _capacity ? 0 : c + 1;
                var p = _entries + e;
                var word = Volatile.Read(ref p->Word);
                if (!IsLive(word))
                    continue;
                var seen = Volatile.Read(ref p->LastSeen);
                int rank;
                if (IsExpired(word, seen, now))
                    rank = 0;
                else if ((word & WAssured) == 0)
                    rank = 1;
                else if ((byte)(word >> WProtoShift) == CtKey.ProtoTcp && TcpTracker.CanEarlyDrop((int)(word & WStateMask)))
                    rank = 2;
                else
                    continue;
                if (rank < bestRank || (rank == bestRank && seen < bestSeen))
                {
                    best = e; bestRank = rank; bestSeen = seen; bestGen = Gen(word);
                    if (rank == 0)
                        break;
                }
            }
            w.EvictCursor = c;
            if (best < 0)
                return -1;
            if (TryClaim(best, bestGen))
            {
                if (bestRank == 0) w.StatsRef.Expired++;
                else w.StatsRef.Evicted++;
                return best;
            }
            var free = Pop();
            if (free >= 0)
                return free;
        }
        return -1;
    }

    // ---------------------------------------------------------------- sweeping

    /// <summary>Visits the entries due by the clock (the whole table per sweep period), at most <paramref name="max"/>.</summary>
    internal int Sweep(ConntrackWorker w, long now, int max)
    {
        var origin = Volatile.Read(ref _sweepOrigin);
        if (origin == long.MinValue)
        {
            Interlocked.CompareExchange(ref _sweepOrigin, now, long.MinValue);
            return 0;
        }
        var elapsed = now - origin;
        if (elapsed <= 0)
            return 0;
        var target = (long)((double)elapsed / _sweepPeriodTicks * _capacity);
        var done = Volatile.Read(ref _sweepDone);
        if (done >= target)
            return 0;
        var take = (int)Math.Min(target - done, max);
        var start = Interlocked.Add(ref _sweepDone, take) - take;
        return SweepRange(w, start, take, now);
    }

    internal int SweepRange(ConntrackWorker w, long start, int count, long now)
    {
        var removed = 0;
        var e = (int)(start % _capacity);
        for (var k = 0; k < count; k++)
        {
            var p = _entries + e;
            var word = Volatile.Read(ref p->Word);
            if (IsLive(word) && IsExpired(word, Volatile.Read(ref p->LastSeen), now) && TryRemove(e, Gen(word)))
                removed++;
            e = e + 1 == _capacity ? 0 : e + 1;
        }
        w.StatsRef.Expired += (ulong)removed;
        w.StatsRef.Swept += (ulong)count;
        return removed;
    }

    /// <summary>Control plane: removes every expired entry now (one full pass). Safe while workers run.</summary>
    public int SweepAll(long now)
    {
        lock (_control)
            return SweepRange(_control, 0, _capacity, now);
    }

    // ---------------------------------------------------------------- control plane

    /// <summary>A copy of a live entry, or null if the index holds none.</summary>
    public CtEntryView? View(int e)
    {
        if ((uint)e >= (uint)_capacity)
            return null;
        var p = _entries + e;
        var word = Volatile.Read(ref p->Word);
        if (!IsLive(word))
            return null;
        var v = new CtEntryView(e, p->Orig.ToFlowKey(), p->Reply.ToFlowKey(), NatOf(p),
            (TcpCtState)(word & WStateMask), (CtStatus)((word >> WStatusShift) & 7), p->LastSeen, p->Created);
        return StillSame(p, word) ? v : null;
    }

    /// <summary>Control plane: the entry holding a key in either direction, without touching its state.</summary>
    public CtEntryView? Find(in FlowKey key, out CtDirection direction)
    {
        var k = CtKey.From(key);
        var e = Find(k, Hash(k), out var dir, out _);
        direction = (CtDirection)dir;
        return e < 0 ? null : View(e);
    }

    /// <summary>
    /// Control plane: removes every live entry the predicate selects; returns how many. Runs on the calling thread
    /// while workers keep running (each removal is one CAS claim; no worker waits). The predicate sees copies.
    /// </summary>
    public int Purge(Func<CtEntryView, bool> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        lock (_control)
        {
            var n = 0;
            for (var e = 0; e < _capacity; e++)
            {
                var word = Volatile.Read(ref _entries[e].Word);
                if (!IsLive(word))
                    continue;
                var view = View(e);
                if (view is { } v && predicate(v) && TryRemove(e, Gen(word)))
                    n++;
            }
            _control.StatsRef.Purged += (ulong)n;
            return n;
        }
    }

    /// <summary>
    /// Control plane: removes the flows of one protocol that were DNAT'd to a backend (address and port), e.g. all
    /// UDP flows of a backend that was removed, so they pick a live backend on their next packet. Allocation-free.
    /// </summary>
    public int PurgeBackend(byte protocol, byte ipVersion, ulong addressHigh, ulong addressLow, ushort port)
    {
        lock (_control)
        {
            var n = 0;
            for (var e = 0; e < _capacity; e++)
            {
                var p = _entries + e;
                var word = Volatile.Read(ref p->Word);
                if (!IsLive(word) || (byte)(word >> WProtoShift) != protocol || (p->NatKind & (byte)NatKind.Dnat) == 0)
                    continue;
                var post = p->Reply.Reverse();
                if (post.IpVersion == ipVersion && post.DstHigh == addressHigh && post.DstLow == addressLow && post.DestinationPort == port
                    && StillSame(p, word) && TryRemove(e, Gen(word)))
                    n++;
            }
            _control.StatsRef.Purged += (ulong)n;
            return n;
        }
    }

    /// <summary>
    /// Control plane / tests: checks the index against the entries (every live entry reachable by both keys,
    /// every slot pointing at a live or in-flight entry with its key). Returns problems found (empty when sound).
    /// Only meaningful while no worker runs.
    /// </summary>
    public List<string> Verify()
    {
        var problems = new List<string>();
        var slotsPerEntry = new int[_capacity];
        for (uint b = 0; b < _bucketCount; b++)
        {
            var bucket = BucketPtr(b);
            for (var i = 0; i < SlotsPerBucket; i++)
            {
                var slot = bucket[i];
                if (slot == 0)
                    continue;
                var r = (uint)slot;
                var e = (int)(r >> 1);
                if (e >= _capacity) { problems.Add($"bucket {b} slot {i}: entry {e} out of range"); continue; }
                var p = _entries + e;
                if (!IsLive(p->Word)) { problems.Add($"bucket {b} slot {i}: entry {e} not live"); continue; }
                var k = (r & 1) == 0 ? p->Orig : p->Reply;
                var h = Hash(k);
                if (Tag(h) != (uint)(slot >> 32) || (Bucket1(h) != b && Bucket2(h) != b))
                    problems.Add($"bucket {b} slot {i}: entry {e} key does not hash here");
                slotsPerEntry[e]++;
            }
        }
        var free = 0;
        for (var e = 0; e < _capacity; e++)
        {
            var live = IsLive(_entries[e].Word);
            if (live && slotsPerEntry[e] != 2)
                problems.Add($"entry {e}: {slotsPerEntry[e]} index slots, expected 2");
            if (!live)
                free++;
        }
        var onList = 0;
        var seen = new HashSet<int>();
        for (var idx = (int)(uint)_freeHead - 1; idx >= 0; idx = _entries[idx].NextFree)
        {
            if (!seen.Add(idx)) { problems.Add("free list has a cycle"); break; }
            if (IsLive(_entries[idx].Word)) problems.Add($"entry {idx} is live but on the free list");
            onList++;
        }
        if (onList != free)
            problems.Add($"free list holds {onList} entries, {free} are not live");
        return problems;
    }

    // ---------------------------------------------------------------- lifetime

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    private void Free()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        _entryMemory.Dispose();
        _bucketMemory.Dispose();
        NativeMemory.AlignedFree(_locks);
        NativeMemory.AlignedFree(_timeoutTicks);
    }
}
