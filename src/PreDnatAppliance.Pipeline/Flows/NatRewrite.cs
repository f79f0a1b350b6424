namespace PreDnatAppliance.Pipeline.Flows;

[Flags]
public enum NatKind : byte
{
    None = 0,

    /// <summary>Destination rewritten to a service backend (NodePort, ClusterIP, externalIP, LoadBalancer).</summary>
    Dnat = 1,

    /// <summary>Source rewritten to the node's address (externalTrafficPolicy Cluster to a remote backend).</summary>
    Snat = 2,
}

/// <summary>
/// What NAT does to a flow's packets in the original direction; replies get the inverse. Conntrack stores one
/// per flow so established packets get the same rewrite without another service lookup.
/// </summary>
public readonly struct NatRewrite : IEquatable<NatRewrite>
{
    public NatRewrite(NatKind kind, ulong dstHigh, ulong dstLow, ushort dstPort, ulong srcHigh, ulong srcLow, ushort srcPort, ushort serviceIndex)
    {
        Kind = kind;
        DstHigh = dstHigh;
        DstLow = dstLow;
        DstPort = dstPort;
        SrcHigh = srcHigh;
        SrcLow = srcLow;
        SrcPort = srcPort;
        ServiceIndex = serviceIndex;
    }

    public static NatRewrite None => default;

    public NatKind Kind { get; }

    /// <summary>The backend address and port (when <see cref="NatKind.Dnat"/>).</summary>
    public ulong DstHigh { get; }
    public ulong DstLow { get; }
    public ushort DstPort { get; }

    /// <summary>The node address and port the source is masqueraded to (when <see cref="NatKind.Snat"/>).</summary>
    public ulong SrcHigh { get; }
    public ulong SrcLow { get; }
    public ushort SrcPort { get; }

    /// <summary>Which service frontend chose the backend, for per-service counters and UDP purges.</summary>
    public ushort ServiceIndex { get; }

    /// <summary>The flow as the backend sees it (after DNAT and SNAT).</summary>
    public FlowKey Apply(in FlowKey original)
    {
        var key = original;
        if ((Kind & NatKind.Dnat) != 0)
            key = key.WithDestination(DstHigh, DstLow, DstPort);
        if ((Kind & NatKind.Snat) != 0)
            key = key.WithSource(SrcHigh, SrcLow, SrcPort);
        return key;
    }

    public bool Equals(NatRewrite other) =>
        Kind == other.Kind && DstHigh == other.DstHigh && DstLow == other.DstLow && DstPort == other.DstPort
        && SrcHigh == other.SrcHigh && SrcLow == other.SrcLow && SrcPort == other.SrcPort && ServiceIndex == other.ServiceIndex;

    public override bool Equals(object? obj) => obj is NatRewrite other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Kind, DstLow, DstPort, SrcLow, SrcPort, ServiceIndex);
}
