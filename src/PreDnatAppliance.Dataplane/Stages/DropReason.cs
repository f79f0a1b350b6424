namespace PreDnatAppliance.Dataplane.Stages;

/// <summary>
/// Why the data path dropped a packet. Every received packet is either transmitted or counted under exactly
/// one reason (per lcore, <see cref="Workers.LcoreCounters"/>). Values are stable: they index counter arrays
/// and appear in metrics. Reasons the later pipeline stages will use are reserved here so counters keep
/// one layout: 1..15 the data path and generic reasons, 16..39 the parse stage, 40..63 conntrack, services/NAT
/// and later stages.
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

    // ---- parse stage: 16..39 (Pipeline/Parsing/ParseStage). One reason per malformed or unsupported header. ----

    /// <summary>The mbuf is a chain of segments (the parser reads single-segment frames only).</summary>
    MultiSegment = 16,
    /// <summary>Shorter than an Ethernet header (14 bytes), including a zero-length frame.</summary>
    TruncatedEthernet = 17,
    /// <summary>An 802.1Q/802.1ad tag cut short (tag plus the next EtherType do not fit).</summary>
    TruncatedVlan = 18,
    /// <summary>More than two VLAN tags (802.1Q inside 802.1ad is the most the appliance accepts).</summary>
    TooManyVlans = 19,
    /// <summary>An EtherType that is neither IPv4, IPv6 nor ARP (802.3 length fields included).</summary>
    UnsupportedEtherType = 20,
    /// <summary>An ARP packet shorter than the 28 bytes of Ethernet/IPv4 ARP.</summary>
    TruncatedArp = 21,
    /// <summary>ARP for another hardware or protocol type, or with other address lengths than 6 and 4.</summary>
    ArpBadFormat = 22,
    /// <summary>Fewer than 20 bytes where the IPv4 header starts.</summary>
    TruncatedIpv4 = 23,
    /// <summary>EtherType IPv4 but the version nibble is not 4.</summary>
    Ipv4BadVersion = 24,
    /// <summary>IHL below 5, or a header (with options) longer than the frame.</summary>
    Ipv4BadIhl = 25,
    /// <summary>Total length shorter than the header or longer than the frame.</summary>
    Ipv4BadTotalLength = 26,
    /// <summary>Fewer than 40 bytes where the IPv6 header starts.</summary>
    TruncatedIpv6 = 27,
    /// <summary>EtherType IPv6 but the version nibble is not 6.</summary>
    Ipv6BadVersion = 28,
    /// <summary>40 + payload length is longer than the frame.</summary>
    Ipv6BadPayloadLength = 29,
    /// <summary>An extension header that runs past the end of the payload.</summary>
    Ipv6ExtHeaderOverrun = 30,
    /// <summary>A chain of extension headers longer than the parser's limit (loops, header floods).</summary>
    Ipv6TooManyExtHeaders = 31,
    /// <summary>Fewer than 20 bytes of TCP header.</summary>
    TruncatedTcp = 32,
    /// <summary>TCP data offset below 5 or past the end of the segment.</summary>
    TcpBadDataOffset = 33,
    /// <summary>Fewer than 8 bytes of UDP header.</summary>
    TruncatedUdp = 34,
    /// <summary>UDP length below 8 or longer than the IP payload.</summary>
    UdpBadLength = 35,
    /// <summary>Fewer than 12 bytes of SCTP common header.</summary>
    TruncatedSctp = 36,
    /// <summary>Fewer than 8 bytes of ICMP/ICMPv6 header.</summary>
    TruncatedIcmp = 37,
    /// <summary>An ICMP error whose embedded IP header or first 8 bytes of L4 are cut short.</summary>
    IcmpErrorTruncated = 38,
    /// <summary>An ICMP error whose embedded packet is not of the outer family or has a bad header length.</summary>
    IcmpErrorBadEmbedded = 39,

    // ---- 40..47: connection tracking (docs/conntrack.md). ----

    /// <summary>A new flow was refused: the conntrack table is full and nothing in the eviction window could be evicted.</summary>
    ConntrackFull = 40,
    /// <summary>Conntrack INVALID: no flow for a packet that cannot start one (SYN-ACK, RST, FIN, an ICMP error about no
    /// tracked flow, a mid-stream TCP packet with loose pickup off) or a transition nf_conntrack rejects.</summary>
    ConntrackInvalid = 41,
    /// <summary>A new flow's NAT'd reply tuple already belongs to another tracked flow.</summary>
    ConntrackClash = 42,

    // ---- 48..63: the packet pipeline's policy, service, routing and out stages (docs/pipeline.md). ----

    /// <summary>Denied by the ingress host endpoint's pre-DNAT policy.</summary>
    PreDnatDeny = 48,
    /// <summary>Denied by host endpoint normal policy (ingress to the host, or egress of host-originated traffic).</summary>
    HostDeny = 49,
    /// <summary>Denied by applyOnForward policy of the ingress or the egress host endpoint.</summary>
    ForwardDeny = 50,
    /// <summary>Denied by workload endpoint policy (ingress of the destination or egress of the source workload).</summary>
    WorkloadDeny = 51,
    /// <summary>A service frontend under traffic policy Local with no endpoint on this node (kube-proxy's DROP).</summary>
    ServiceNoLocalEndpoints = 52,
    /// <summary>A service without endpoints should have been answered with ICMP port unreachable, but the ICMP rate limit was reached.</summary>
    RejectRateLimited = 53,
    /// <summary>A service without endpoints, but no ICMP error could be built in the packet's buffer (no room, not a first fragment).</summary>
    RejectNotPossible = 54,
    /// <summary>No route to the (post-NAT) destination.</summary>
    NoRoute = 55,
    /// <summary>A host-bound packet, but no kernel (TAP) port is configured to punt it to.</summary>
    NoKernelPort = 56,
    /// <summary>The next hop's MAC address is unknown (an IPv4 packet is turned into an ARP request for it instead).</summary>
    NeighbourUnresolved = 57,
    /// <summary>A forwarded packet whose TTL / hop limit ran out.</summary>
    TtlExceeded = 58,
    /// <summary>An ARP packet that asks for or answers no node address.</summary>
    ArpNotForUs = 59,
    /// <summary>Denied by the ingress host endpoint's untracked (doNotTrack) policy.</summary>
    UntrackedDeny = 60,
    /// <summary>An IPv6 Neighbor Solicitation / Advertisement Linux's ndisc refuses (hop limit not 255, code not 0, bad checksum or options).</summary>
    NdInvalid = 61,
    /// <summary>A Neighbor Solicitation for no host address, or an Advertisement not addressed to the node.</summary>
    NdNotForUs = 62,
}

public static class DropReasons
{
    /// <summary>Size of every per-reason counter array (room for reasons added later).</summary>
    /// <summary>A power of two: counters index with <c>reason &amp; (Count - 1)</c>.</summary>
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
        DropReason.MultiSegment => "multi-segment",
        DropReason.TruncatedEthernet => "truncated-ethernet",
        DropReason.TruncatedVlan => "truncated-vlan",
        DropReason.TooManyVlans => "too-many-vlans",
        DropReason.UnsupportedEtherType => "unsupported-ethertype",
        DropReason.TruncatedArp => "truncated-arp",
        DropReason.ArpBadFormat => "arp-bad-format",
        DropReason.TruncatedIpv4 => "truncated-ipv4",
        DropReason.Ipv4BadVersion => "ipv4-bad-version",
        DropReason.Ipv4BadIhl => "ipv4-bad-ihl",
        DropReason.Ipv4BadTotalLength => "ipv4-bad-total-length",
        DropReason.TruncatedIpv6 => "truncated-ipv6",
        DropReason.Ipv6BadVersion => "ipv6-bad-version",
        DropReason.Ipv6BadPayloadLength => "ipv6-bad-payload-length",
        DropReason.Ipv6ExtHeaderOverrun => "ipv6-ext-header-overrun",
        DropReason.Ipv6TooManyExtHeaders => "ipv6-too-many-ext-headers",
        DropReason.TruncatedTcp => "truncated-tcp",
        DropReason.TcpBadDataOffset => "tcp-bad-data-offset",
        DropReason.TruncatedUdp => "truncated-udp",
        DropReason.UdpBadLength => "udp-bad-length",
        DropReason.TruncatedSctp => "truncated-sctp",
        DropReason.TruncatedIcmp => "truncated-icmp",
        DropReason.IcmpErrorTruncated => "icmp-error-truncated",
        DropReason.IcmpErrorBadEmbedded => "icmp-error-bad-embedded",
        DropReason.PreDnatDeny => "prednat-deny",
        DropReason.HostDeny => "host-deny",
        DropReason.ForwardDeny => "forward-deny",
        DropReason.WorkloadDeny => "workload-deny",
        DropReason.ServiceNoLocalEndpoints => "service-no-local-endpoints",
        DropReason.RejectRateLimited => "reject-rate-limited",
        DropReason.RejectNotPossible => "reject-not-possible",
        DropReason.NoRoute => "no-route",
        DropReason.NoKernelPort => "no-kernel-port",
        DropReason.NeighbourUnresolved => "neighbour-unresolved",
        DropReason.TtlExceeded => "ttl-exceeded",
        DropReason.ArpNotForUs => "arp-not-for-us",
        DropReason.UntrackedDeny => "untracked-deny",
        DropReason.NdInvalid => "nd-invalid",
        DropReason.NdNotForUs => "nd-not-for-us",
        DropReason.ConntrackFull => "conntrack-full",
        DropReason.ConntrackInvalid => "conntrack-invalid",
        DropReason.ConntrackClash => "conntrack-clash",
        _ => "reason-" + ((int)reason).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
