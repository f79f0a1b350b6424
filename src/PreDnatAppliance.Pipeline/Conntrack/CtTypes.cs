using System.Runtime.InteropServices;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Conntrack;

/// <summary>What conntrack says about one packet (see docs/conntrack.md, "API").</summary>
public enum CtVerdict : byte
{
    /// <summary>No entry: the packet may start a flow. Run policy (and DNAT); commit only if accepted.</summary>
    New = 0,

    /// <summary>Part of a tracked flow: skip policy, apply <see cref="CtResult.Nat"/> (original direction) or its inverse (reply).</summary>
    Established = 1,

    /// <summary>An ICMP error about a tracked flow: skip policy, un-NAT the outer and embedded headers as for <see cref="CtResult.Direction"/>.</summary>
    Related = 2,

    /// <summary>The state machine rejects the packet (e.g. SYN-ACK with no flow, ICMP error about no flow): drop as <c>conntrack-invalid</c>.</summary>
    Invalid = 3,

    /// <summary>A TCP SYN hit an entry in ESTABLISHED or a closing state: run policy again; if accepted, <c>Commit(replace: true)</c>.</summary>
    ReEvaluate = 4,
}

/// <summary>Which way a packet travels relative to the flow's first packet.</summary>
public enum CtDirection : byte
{
    Original = 0,
    Reply = 1,
}

/// <summary>nf_conntrack's TCP states (same numbering as <c>enum tcp_conntrack</c>); <see cref="None"/> for other protocols.</summary>
public enum TcpCtState : byte
{
    None = 0,
    SynSent = 1,
    SynRecv = 2,
    Established = 3,
    FinWait = 4,
    CloseWait = 5,
    LastAck = 6,
    TimeWait = 7,
    Close = 8,
    SynSent2 = 9,
}

/// <summary>Status bits of an entry.</summary>
[Flags]
public enum CtStatus : byte
{
    None = 0,

    /// <summary>A packet went the reply way (IPS_SEEN_REPLY).</summary>
    SeenReply = 1,

    /// <summary>Replied and past the handshake (IPS_ASSURED): never evicted to admit a new flow.</summary>
    Assured = 2,

    /// <summary>Created by loose pickup from a mid-stream TCP packet.</summary>
    Pickup = 4,
}

/// <summary>Outcome of <see cref="ConntrackWorker.Commit"/>.</summary>
public enum CtCommitStatus : byte
{
    /// <summary>A new entry was created.</summary>
    Inserted = 0,

    /// <summary>The flow already had an entry (two packets of one new flow in a burst, or a race with another lcore):
    /// the result carries that entry's NAT, which the packet must use instead of the one it was given.</summary>
    Existing = 1,

    /// <summary>No free entry and nothing evictable in the probe window: drop the packet as <c>conntrack-full</c>.</summary>
    Full = 2,

    /// <summary>The NAT'd reply tuple already belongs to another flow: drop as <c>conntrack-clash</c>.</summary>
    Clash = 3,

    /// <summary>This packet cannot start a flow (e.g. TCP without SYN and loose pickup off, SYN-ACK): drop as <c>conntrack-invalid</c>.</summary>
    Invalid = 4,
}

/// <summary>Per packet result of a conntrack lookup or commit.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct CtResult
{
    public CtVerdict Verdict;
    public CtDirection Direction;
    public TcpCtState State;
    public CtStatus Status;

    /// <summary>The entry's index in the table (-1 when none). Stable while the entry lives.</summary>
    public int Entry;

    /// <summary>The entry's generation when it was read: an index with another generation is another flow.</summary>
    public uint Generation;

    /// <summary>The lookup left <see cref="Nat"/> unread (<see cref="ConntrackWorker.DeferNat"/>): read it with
    /// <see cref="ConntrackTable.TryNat"/> when the packet needs it.</summary>
    public bool NatDeferred;

    /// <summary>The flow's NAT in the original direction. Apply it when <see cref="Direction"/> is Original,
    /// invert it when Reply. Fields of kinds the flow does not use are zero.</summary>
    public NatRewrite Nat;

    public readonly bool ReverseNat => Direction == CtDirection.Reply;

    /// <summary>True when the packet skips policy (established or related).</summary>
    public readonly bool SkipsPolicy => Verdict is CtVerdict.Established or CtVerdict.Related;
}

/// <summary>A copy of one live entry, for control-plane code (purge predicates, dumps, tests).</summary>
public readonly struct CtEntryView
{
    internal CtEntryView(int index, FlowKey original, FlowKey reply, NatRewrite nat, TcpCtState state, CtStatus status, long lastSeen, long created)
    {
        Index = index; Original = original; Reply = reply; Nat = nat; State = state; Status = status; LastSeen = lastSeen; Created = created;
    }

    public int Index { get; }
    public FlowKey Original { get; }

    /// <summary>The key replies carry: the NAT'd original, reversed (for ICMP echo the identifier stays in SourcePort).</summary>
    public FlowKey Reply { get; }
    public NatRewrite Nat { get; }
    public TcpCtState State { get; }
    public CtStatus Status { get; }
    public long LastSeen { get; }
    public long Created { get; }
    public byte Protocol => Original.Protocol;

    /// <summary>Where the original direction's packets go after NAT (the backend for a DNAT'd flow).</summary>
    public FlowKey PostNat => Nat.Apply(Original);
}
