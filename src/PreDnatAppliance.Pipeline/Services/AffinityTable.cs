using System.Numerics;
using System.Runtime.CompilerServices;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// sessionAffinity: ClientIP state of one worker (lcore): (client IP, service port) → (backend, last seen), with
/// each service's timeout. Fixed capacity, 4-way set-associative; a full set evicts an expired entry or else the
/// least recently seen one. Not thread-safe by design: each worker owns its own table, so there are no locks.
///
/// Per-worker tables agree with each other (and with other appliances) because the table lookup hashes only the
/// client IP into Maglev for affinity services: every worker picks the same backend for a client anyway. This
/// table is a cache that keeps a client on its backend when the backend set changes (a new backend would take
/// some clients over) until the timeout passes; a client whose backend went away gets a fresh Maglev choice.
/// Entries survive table reloads (they name the backend by address, not by index).
/// </summary>
public sealed class AffinityTable
{
    public const int Ways = 4;

    private readonly AffinityEntry[] _entries;
    private readonly int _setMask;

    /// <param name="capacity">Entries (rounded up to a power of two, at least <see cref="Ways"/>).</param>
    public AffinityTable(int capacity = 1 << 16)
    {
        if (capacity < 1 || capacity > 1 << 26)
            throw new ArgumentOutOfRangeException(nameof(capacity));
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(capacity, Ways));
        _entries = new AffinityEntry[size];
        _setMask = size / Ways - 1;
    }

    public int Capacity => _entries.Length;

    /// <summary>Entries in use (including expired ones not yet overwritten). Walks the table: not for the data path.</summary>
    public int Count
    {
        get
        {
            var n = 0;
            foreach (ref readonly var e in _entries.AsSpan())
            {
                if (e.Timeout != 0)
                    n++;
            }
            return n;
        }
    }

    public void Clear() => Array.Clear(_entries);

    /// <summary>The live entry for (client, service port), or a null ref when there is none or it expired.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ref AffinityEntry Find(in FlowKey flow, ulong affinityId, ulong clientHash, long now)
    {
        var start = SetStart(clientHash, affinityId);
        for (var i = 0; i < Ways; i++)
        {
            ref var e = ref _entries[start + i];
            if (e.Timeout != 0 && e.AffinityId == affinityId && e.ClientLow == flow.SrcLow && e.ClientHigh == flow.SrcHigh
                && e.Version == flow.IpVersion)
            {
                return ref now - e.LastSeen <= e.Timeout ? ref e : ref Unsafe.NullRef<AffinityEntry>();
            }
        }
        return ref Unsafe.NullRef<AffinityEntry>();
    }

    /// <summary>Records (client, service port) → backend at <paramref name="now"/>, replacing its old entry if any.</summary>
    internal void Store(in FlowKey flow, ulong affinityId, ulong clientHash, long timeout, ulong backendHigh, ulong backendLow,
        ushort backendPort, int generation, int set, int index, long now)
    {
        var start = SetStart(clientHash, affinityId);
        var victim = -1;
        var oldest = long.MaxValue;
        for (var i = 0; i < Ways; i++)
        {
            ref var e = ref _entries[start + i];
            if (e.Timeout == 0 || (e.AffinityId == affinityId && e.ClientLow == flow.SrcLow && e.ClientHigh == flow.SrcHigh && e.Version == flow.IpVersion))
            {
                victim = start + i;
                break;
            }
            // Expired entries go first, then the least recently seen.
            var age = now - e.LastSeen > e.Timeout ? long.MinValue : e.LastSeen;
            if (age < oldest)
            {
                oldest = age;
                victim = start + i;
            }
        }
        ref var slot = ref _entries[victim];
        slot.ClientHigh = flow.SrcHigh;
        slot.ClientLow = flow.SrcLow;
        slot.Version = flow.IpVersion;
        slot.AffinityId = affinityId;
        slot.Timeout = timeout;
        slot.LastSeen = now;
        slot.BackendHigh = backendHigh;
        slot.BackendLow = backendLow;
        slot.BackendPort = backendPort;
        slot.Generation = generation;
        slot.Set = set;
        slot.Index = index;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SetStart(ulong clientHash, ulong affinityId) => (int)(Maglev.Mix(clientHash ^ affinityId) & (ulong)_setMask) * Ways;
}

/// <summary>One affinity entry (72 bytes). <see cref="Timeout"/> 0 marks a free slot.</summary>
internal struct AffinityEntry
{
    public ulong ClientHigh;
    public ulong ClientLow;
    public ulong AffinityId;
    public ulong BackendHigh;
    public ulong BackendLow;
    public long LastSeen;
    public long Timeout;

    /// <summary>Where the backend was in the table that last resolved it: a shortcut, checked by generation.</summary>
    public int Generation;
    public int Set;
    public int Index;
    public ushort BackendPort;
    public byte Version;
}
