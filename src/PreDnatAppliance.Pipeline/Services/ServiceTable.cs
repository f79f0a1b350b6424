using System.Runtime.CompilerServices;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// The immutable service table: frontends (dst IP, protocol, dst port) → service port → backend set (with its
/// Maglev table). Built by <see cref="ServiceTableBuilder"/>, published by <see cref="ServiceTableHolder"/>, read by
/// every worker at once without locks.
///
/// <see cref="Lookup(in FlowKey, long, AffinityTable?)"/> is the DNAT stage's call for a flow-creating packet. It
/// does not allocate, lock, throw or make virtual calls: an open-addressing probe over an array of value-type
/// slots, a Maglev table read, and (for ClientIP affinity) a probe of the worker's <see cref="AffinityTable"/>.
/// </summary>
public sealed class ServiceTable
{
    internal const byte FlagSnat = 1;
    internal const byte FlagAffinity = 2;

    private static int s_generations;

    private readonly FrontendSlot[] _slots;
    private readonly int _slotMask;
    private readonly FrontendEntry[] _frontends;
    private readonly BackendSet[] _sets;
    private readonly BackendEntry[] _backends;
    private readonly ServiceAddress _snatV4;
    private readonly ServiceAddress _snatV6;
    private readonly bool _snatHairpin;

    internal ServiceTable(
        NodeIdentity node,
        ServiceTableOptions options,
        IReadOnlyList<ServicePortInfo> ports,
        IReadOnlyList<ServiceFrontend> frontends,
        FrontendEntry[] frontendEntries,
        BackendSet[] sets,
        BackendEntry[] backends,
        ServiceAddress snatV4,
        ServiceAddress snatV6,
        IReadOnlyList<string> warnings,
        Dictionary<string, ushort[]> maglevCache)
    {
        Generation = Interlocked.Increment(ref s_generations);
        Node = node;
        Options = options;
        Ports = ports;
        CounterSlots = new int[ports.Count];
        Frontends = frontends;
        _frontends = frontendEntries;
        _sets = sets;
        _backends = backends;
        _snatV4 = snatV4;
        _snatV6 = snatV6;
        _snatHairpin = options.SnatHairpin;
        Warnings = warnings;
        MaglevCache = maglevCache;

        var capacity = 16;
        while (capacity < frontends.Count * 2)
            capacity <<= 1;
        _slots = new FrontendSlot[capacity];
        _slotMask = capacity - 1;
        for (var i = 0; i < frontends.Count; i++)
        {
            var f = frontends[i];
            var s = (int)SlotHash(f.Address.Version, f.Address.High, f.Address.Low, (byte)f.Protocol, f.Port) & _slotMask;
            while (_slots[s].Entry != 0)
                s = (s + 1) & _slotMask;
            _slots[s] = new FrontendSlot
            {
                High = f.Address.High,
                Low = f.Address.Low,
                Port = f.Port,
                Protocol = (byte)f.Protocol,
                Version = f.Address.Version,
                Entry = i + 1,
            };
        }
    }

    /// <summary>An empty table (every lookup is NoService), for start-up before the first services file.</summary>
    public static ServiceTable Empty(NodeIdentity node, ServiceTableOptions? options = null) =>
        ServiceTableBuilder.Build(new ServiceCatalog(), node, options);

    /// <summary>Unique per table in this process; affinity entries use it to skip re-resolving their backend.</summary>
    public int Generation { get; }

    public NodeIdentity Node { get; }
    public ServiceTableOptions Options { get; }

    /// <summary>Service ports (one per IP family); <see cref="ServiceDecision.ServiceIndex"/> indexes this list.</summary>
    public IReadOnlyList<ServicePortInfo> Ports { get; }

    /// <summary>
    /// The stable counter slot of each service port (<see cref="Runtime.Counters.PipelineCounterSet.ServiceSlotsOf"/>),
    /// set by the runtime before the table is published; all 0 (the overflow slot) until then.
    /// </summary>
    internal int[] CounterSlots { get; set; }

    public IReadOnlyList<ServiceFrontend> Frontends { get; }

    /// <summary>What the build ignored on purpose (headless services, frontends of a family the service lacks, ...).</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Maglev tables by backend set, handed to the next build so unchanged sets are not rebuilt.</summary>
    internal Dictionary<string, ushort[]> MaglevCache { get; }

    /// <summary>
    /// Decides a flow-creating packet. <paramref name="flow"/> is the original tuple as parsed (before any NAT);
    /// <paramref name="now"/> is a monotonic timestamp in <see cref="ServiceTableOptions.TicksPerSecond"/> units
    /// (one per burst is enough); <paramref name="affinity"/> is the calling worker's own table (null: no
    /// affinity state, Maglev on the client IP alone still keeps clients on one backend while backends are stable).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ServiceDecision Lookup(in FlowKey flow, long now, AffinityTable? affinity)
    {
        var f = FindFrontend(flow);
        return f < 0 ? default : Decide(flow, f, now, affinity);
    }

    /// <summary>
    /// <see cref="Lookup(in FlowKey, long, AffinityTable?)"/> over a burst: <paramref name="decisions"/>[i] for
    /// <paramref name="flows"/>[i].
    /// </summary>
    public void Lookup(ReadOnlySpan<FlowKey> flows, Span<ServiceDecision> decisions, long now, AffinityTable? affinity)
    {
        if (decisions.Length < flows.Length)
            throw new ArgumentException("decisions is shorter than flows", nameof(decisions));
        for (var i = 0; i < flows.Length; i++)
        {
            var f = FindFrontend(flows[i]);
            decisions[i] = f < 0 ? default : Decide(flows[i], f, now, affinity);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindFrontend(in FlowKey flow)
    {
        var protocol = flow.Protocol;
        if (protocol != 6 && protocol != 17 && protocol != 132)
            return -1;
        var slots = _slots;
        var s = (int)SlotHash(flow.IpVersion, flow.DstHigh, flow.DstLow, protocol, flow.DestinationPort) & _slotMask;
        while (true)
        {
            ref readonly var slot = ref slots[s];
            if (slot.Entry == 0)
                return -1;
            if (slot.Low == flow.DstLow && slot.Port == flow.DestinationPort && slot.Protocol == protocol
                && slot.High == flow.DstHigh && slot.Version == flow.IpVersion)
                return slot.Entry - 1;
            s = (s + 1) & _slotMask;
        }
    }

    private ServiceDecision Decide(in FlowKey flow, int frontend, long now, AffinityTable? affinity)
    {
        ref readonly var fe = ref _frontends[frontend];
        if (fe.BackendSet < 0)
            return new ServiceDecision(fe.EmptyVerdict, default, fe.ServiceIndex, false);
        ref readonly var set = ref _sets[fe.BackendSet];

        int chosen;
        if ((fe.Flags & FlagAffinity) != 0)
        {
            chosen = ChooseWithAffinity(flow, fe, set, now, affinity);
        }
        else
        {
            chosen = set.Maglev is null ? 0 : Maglev.Pick(set.Maglev, flow.Hash64());
        }

        ref readonly var backend = ref _backends[set.Start + chosen];
        var kind = NatKind.Dnat;
        ulong srcHigh = 0, srcLow = 0;
        ushort srcPort = 0;
        var hairpin = _snatHairpin && backend.Low == flow.SrcLow && backend.High == flow.SrcHigh;
        if (((fe.Flags & FlagSnat) != 0 && !backend.IsLocal) || hairpin)
        {
            var snat = flow.IpVersion == 4 ? _snatV4 : _snatV6;
            if (snat.Version != 0)
            {
                kind |= NatKind.Snat;
                srcHigh = snat.High;
                srcLow = snat.Low;
                srcPort = flow.SourcePort; // kept: see docs/services.md (conntrack resolves the rare collision)
            }
        }
        var nat = new NatRewrite(kind, backend.High, backend.Low, backend.Port, srcHigh, srcLow, srcPort, (ushort)fe.ServiceIndex);
        return new ServiceDecision(ServiceVerdict.Dnat, nat, fe.ServiceIndex, backend.IsLocal);
    }

    private int ChooseWithAffinity(in FlowKey flow, in FrontendEntry fe, in BackendSet set, long now, AffinityTable? affinity)
    {
        var clientHash = ClientHash(flow);
        if (affinity is null)
            return set.Maglev is null ? 0 : Maglev.Pick(set.Maglev, clientHash);

        ref var entry = ref affinity.Find(flow, fe.AffinityId, clientHash, now);
        if (!Unsafe.IsNullRef(ref entry))
        {
            var index = entry.Generation == Generation && entry.Set == fe.BackendSet
                ? entry.Index
                : FindBackend(set, entry.BackendHigh, entry.BackendLow, entry.BackendPort);
            if (index >= 0)
            {
                entry.LastSeen = now; // every new connection refreshes it, as kube-proxy's `recent --set` does
                entry.Generation = Generation;
                entry.Set = fe.BackendSet;
                entry.Index = index;
                return index;
            }
        }

        var chosen = set.Maglev is null ? 0 : Maglev.Pick(set.Maglev, clientHash);
        ref readonly var backend = ref _backends[set.Start + chosen];
        affinity.Store(flow, fe.AffinityId, clientHash, fe.AffinityTicks, backend.High, backend.Low, backend.Port,
            Generation, fe.BackendSet, chosen, now);
        return chosen;
    }

    /// <summary>Binary search of a set's backends (sorted by address, then port); -1 when absent.</summary>
    private int FindBackend(in BackendSet set, ulong high, ulong low, ushort port)
    {
        int lo = 0, hi = set.Count - 1;
        while (lo <= hi)
        {
            var mid = (lo + hi) >>> 1;
            ref readonly var b = ref _backends[set.Start + mid];
            var c = b.High != high ? b.High.CompareTo(high) : b.Low != low ? b.Low.CompareTo(low) : b.Port.CompareTo(port);
            if (c == 0)
                return mid;
            if (c < 0)
                lo = mid + 1;
            else
                hi = mid - 1;
        }
        return -1;
    }

    /// <summary>The Maglev hash for ClientIP affinity: the client address alone (and its family).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong ClientHash(in FlowKey flow) =>
        Maglev.Mix(flow.SrcLow ^ Maglev.Mix(flow.SrcHigh ^ ((ulong)flow.IpVersion << 56) ^ 0x243F6A8885A308D3UL));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SlotHash(byte version, ulong high, ulong low, byte protocol, ushort port)
    {
        var h = (low ^ (high * 0x9E3779B97F4A7C15UL)) * 0xBF58476D1CE4E5B9UL;
        h ^= ((ulong)port << 16 | (ulong)protocol << 8 | version) * 0x94D049BB133111EBUL;
        return h ^ (h >> 29) ^ (h >> 43);
    }

    /// <summary>
    /// The backends each service port of <paramref name="old"/> had that the same service port (same
    /// <see cref="ServicePortInfo.Id"/>) of <paramref name="next"/> no longer has, deleted service ports included.
    /// </summary>
    public static IReadOnlyList<RemovedBackend> RemovedBackends(ServiceTable old, ServiceTable next)
    {
        var now = new Dictionary<string, HashSet<(ServiceAddress, ushort)>>(StringComparer.Ordinal);
        foreach (var port in next.Ports)
            now[port.Id] = port.Backends.Select(b => (b.Address, b.Port)).ToHashSet();
        var removed = new List<RemovedBackend>();
        foreach (var port in old.Ports)
        {
            now.TryGetValue(port.Id, out var still);
            foreach (var b in port.Backends)
            {
                if (still is null || !still.Contains((b.Address, b.Port)))
                    removed.Add(new RemovedBackend(port.Id, port.Port.Protocol, b.Address, b.Port));
            }
        }
        return removed;
    }
}

/// <summary>A slot of the frontend hash index (32 bytes); <see cref="Entry"/> is the frontend index + 1, 0 = empty.</summary>
internal struct FrontendSlot
{
    public ulong High;
    public ulong Low;
    public int Entry;
    public ushort Port;
    public byte Protocol;
    public byte Version;
}

/// <summary>What a frontend leads to, as the lookup needs it.</summary>
internal struct FrontendEntry
{
    /// <summary>Index into the table's backend sets; -1 when the set is empty (then <see cref="EmptyVerdict"/>).</summary>
    public int BackendSet;
    public int ServiceIndex;
    public long AffinityTicks;
    public ulong AffinityId;
    public ServiceVerdict EmptyVerdict;
    public byte Flags;
}

/// <summary>A run of backends in canonical order and its Maglev table (null for a single backend).</summary>
internal struct BackendSet
{
    public int Start;
    public int Count;
    public ushort[]? Maglev;
}

internal struct BackendEntry
{
    public ulong High;
    public ulong Low;
    public ushort Port;
    public bool IsLocal;
}
