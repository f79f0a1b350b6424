using System.Runtime.CompilerServices;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Parsing;

namespace PreDnatAppliance.Pipeline.Stages;

/// <summary>Per-packet facts the stages pass on to each other.</summary>
[Flags]
public enum PacketMarks : ushort
{
    None = 0,

    /// <summary>An ARP packet or an IPv6 Neighbor Solicitation / Advertisement: no conntrack, policy or NAT; the out stage answers, learns, punts or drops it.</summary>
    Arp = 1 << 0,

    /// <summary>Conntrack found the flow (established or related): policy is skipped.</summary>
    Tracked = 1 << 1,

    /// <summary>The packet travels the flow's reply way.</summary>
    Reply = 1 << 2,

    /// <summary>An ICMP error about a tracked flow.</summary>
    Related = 1 << 3,

    /// <summary>A TCP SYN that hit an established or closing entry: policy runs again, the commit replaces the entry.</summary>
    ReEvaluate = 1 << 4,

    /// <summary>An inbound failsafe matched in the pre-DNAT stage: pre-DNAT policy is skipped (nothing else).</summary>
    FailsafeIn = 1 << 5,

    /// <summary>Pre-DNAT policy allowed the packet: the ingress host endpoint's normal and forward ingress checks are skipped.</summary>
    HostIngressApproved = 1 << 6,

    /// <summary>The packet was turned into the appliance's answer (ICMP unreachable, ARP reply): later stages leave it alone.</summary>
    Answered = 1 << 7,

    /// <summary>Received on the kernel (TAP) port: originated by the host.</summary>
    FromKernel = 1 << 8,

    /// <summary>Received on a workload port.</summary>
    FromWorkload = 1 << 9,

    /// <summary>A new flow that policy accepted: the commit stage creates its conntrack entry.</summary>
    Commit = 1 << 10,

    /// <summary>Untracked policy allowed the packet: no conntrack (no lookup, no entry), no NAT, no pre-DNAT policy, and the
    /// ingress host endpoint's normal and forward ingress checks are skipped (with <see cref="HostIngressApproved"/>); for a
    /// host-originated packet (untracked egress), the egress host endpoint's normal egress check.</summary>
    Untracked = 1 << 11,

    /// <summary>Forwarded by the established-flow fast path (<see cref="ForwardingCache"/>, in the conntrack stage): NAT,
    /// TTL, L2 and egress are done; the routing, NAT and out stages leave it alone.</summary>
    FastForwarded = 1 << 12,
}

/// <summary>Where the routing stage sends a packet.</summary>
public enum DestinationClass : byte
{
    None = 0,
    Host = 1,
    LocalWorkload = 2,
    Forwarded = 3,
}

/// <summary>What happened to a packet, as the replay reports it.</summary>
public enum PacketOutcome : byte
{
    None = 0,
    Forwarded = 1,
    Punted = 2,
    Rejected = 3,
    ArpReply = 4,

    /// <summary>The next hop was unknown: the packet was turned into an ARP request or a Neighbor Solicitation for it (reported as dropped).</summary>
    ArpRequest = 5,

    /// <summary>A Neighbor Solicitation answered with a Neighbor Advertisement (reason <c>nd-advertisement</c>).</summary>
    NeighbourAdvertisement = 6,
}

/// <summary>
/// One worker's per-packet side arrays, index for index with the burst (and the parse stage's <see cref="ParsedBurst"/>):
/// marks, destination, NAT, next hop. Allocated once per worker; a stage that drops packets calls
/// <see cref="Compact"/>, which keeps these rows, the parsed rows and the burst aligned.
/// </summary>
public sealed class PacketState
{
    public const int Capacity = Burst.MaxCapacity;

    public PacketState(ParsedBurst parsed, PacketTrace? trace)
    {
        Parsed = parsed;
        Trace = trace;
    }

    public ParsedBurst Parsed { get; }

    /// <summary>Null unless the worker records per-packet traces (replay).</summary>
    public PacketTrace? Trace { get; }

    /// <summary>The burst's clock reading (conntrack, affinity and rate-limiter units).</summary>
    public long Now;

    /// <summary>The configuration index of the port the burst came from.</summary>
    public int RxPort;

    /// <summary>
    /// Packets of the burst that the new-flow stages (failsafe, pre-DNAT, DNAT, policy, commit) may act on: neither
    /// ARP/ND nor tracked by conntrack. Starts at the burst's size (parse), lowered by the conntrack stage; zero lets
    /// those stages return at once (a burst of established flows only).
    /// </summary>
    public int Undecided;

    /// <summary>Each packet's position in the burst as received (the trace's index).</summary>
    public readonly byte[] Origin = new byte[Capacity];
    public readonly PacketMarks[] Marks = new PacketMarks[Capacity];
    public readonly DestinationClass[] Destination = new DestinationClass[Capacity];

    /// <summary>Configuration index of the egress port (-1 none).</summary>
    public readonly short[] EgressPort = new short[Capacity];

    /// <summary>Local workload index (destination for <see cref="DestinationClass.LocalWorkload"/>), else -1.</summary>
    public readonly short[] Workload = new short[Capacity];

    /// <summary>Local workload the packet comes from (received on a workload port), else -1.</summary>
    public readonly short[] SourceWorkload = new short[Capacity];

    /// <summary>The flow's NAT in its original direction (what a new flow commits).</summary>
    public readonly NatRewrite[] Nat = new NatRewrite[Capacity];

    /// <summary>What the NAT stage writes into this packet.</summary>
    public readonly Rewrite[] Rewrite = new Rewrite[Capacity];

    /// <summary>The next hop whose MAC the out stage puts in the frame.</summary>
    public readonly ulong[] NextHopHigh = new ulong[Capacity];
    public readonly ulong[] NextHopLow = new ulong[Capacity];

    /// <summary>The conntrack entry a tracked packet belongs to (-1 none).</summary>
    public readonly int[] Entry = new int[Capacity];

    /// <summary>The generation of that entry when conntrack read it.</summary>
    public readonly uint[] EntryGeneration = new uint[Capacity];

    /// <summary>Resets every row of a new burst of <paramref name="count"/> packets (after parsing).</summary>
    public void Reset(int count)
    {
        Array.Clear(Marks, 0, count);
        Array.Clear(Destination, 0, count);
        Array.Fill(EgressPort, (short)-1, 0, count);
        Array.Fill(Workload, (short)-1, 0, count);
        Array.Fill(SourceWorkload, (short)-1, 0, count);
        Array.Clear(Nat, 0, count);
        Array.Clear(Rewrite, 0, count);
        Array.Fill(Entry, -1, 0, count);
    }

    /// <summary>
    /// Drops the packets whose burst verdict is a drop reason from these rows, the parsed rows and the burst (the
    /// survivors keep their order everywhere). Returns the new count.
    /// </summary>
    public unsafe int Compact(Burst burst)
    {
        var n = burst.Count;
        var verdicts = burst.Verdicts;
        var kept = 0;
        for (var i = 0; i < n; i++)
        {
            if (verdicts[i] != 0)
                continue;
            if (kept != i)
                Move(i, kept);
            kept++;
        }
        return Parsed.Compact(burst);
    }

    /// <summary>Marks packet <paramref name="i"/> dropped (the caller compacts once after its loop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Drop(Burst burst, int i, DropReason reason) => burst.Drop(i, reason);

    private void Move(int from, int to)
    {
        Origin[to] = Origin[from];
        Marks[to] = Marks[from];
        Destination[to] = Destination[from];
        EgressPort[to] = EgressPort[from];
        Workload[to] = Workload[from];
        SourceWorkload[to] = SourceWorkload[from];
        Nat[to] = Nat[from];
        Rewrite[to] = Rewrite[from];
        NextHopHigh[to] = NextHopHigh[from];
        NextHopLow[to] = NextHopLow[from];
        Entry[to] = Entry[from];
        EntryGeneration[to] = EntryGeneration[from];
    }
}
