namespace PreDnatAppliance.Dataplane.Stages;

/// <summary>
/// Why the data path dropped a packet. Every received packet is either transmitted or counted under exactly
/// one reason (per lcore, <see cref="Workers.LcoreCounters"/>). Values are stable: they index counter arrays
/// and appear in metrics. Reasons the later pipeline stages will use are reserved here so counters keep
/// one layout.
/// </summary>
public enum DropReason : byte
{
    /// <summary>Not dropped (the verdict side array's "keep").</summary>
    None = 0,
    /// <summary>No egress port for the packet (no forwarding rule, or an unknown port).</summary>
    NoEgress = 1,
    /// <summary>The egress TX ring stayed full through every retry.</summary>
    TxFull = 2,
    /// <summary>Headers could not be parsed (parse stage).</summary>
    Malformed = 3,
    /// <summary>Not IPv4/IPv6, or a protocol the appliance does not forward (parse stage).</summary>
    Unsupported = 4,
    /// <summary>Denied by policy (policy stages).</summary>
    PolicyDeny = 5,
    /// <summary>No conntrack entry where one is required (conntrack stage).</summary>
    NoConntrack = 6,
    /// <summary>A NodePort with no backend (DNAT stage).</summary>
    NoBackend = 7,

    // 40-47: connection tracking (docs/conntrack.md).

    /// <summary>A new flow was refused: the conntrack table is full and nothing in the eviction window could be evicted.</summary>
    ConntrackFull = 40,
    /// <summary>Conntrack INVALID: no flow for a packet that cannot start one (SYN-ACK, RST, FIN, an ICMP error about no
    /// tracked flow, a mid-stream TCP packet with loose pickup off) or a transition nf_conntrack rejects.</summary>
    ConntrackInvalid = 41,
    /// <summary>A new flow's NAT'd reply tuple already belongs to another tracked flow.</summary>
    ConntrackClash = 42,
}

public static class DropReasons
{
    /// <summary>Size of every per-reason counter array (room for reasons added later).</summary>
    public const int Count = 64;

    public static string Name(DropReason reason) => reason switch
    {
        DropReason.None => "none",
        DropReason.NoEgress => "no-egress",
        DropReason.TxFull => "tx-full",
        DropReason.Malformed => "malformed",
        DropReason.Unsupported => "unsupported",
        DropReason.PolicyDeny => "policy-deny",
        DropReason.NoConntrack => "no-conntrack",
        DropReason.NoBackend => "no-backend",
        DropReason.ConntrackFull => "conntrack-full",
        DropReason.ConntrackInvalid => "conntrack-invalid",
        DropReason.ConntrackClash => "conntrack-clash",
        _ => "reason-" + ((int)reason).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
