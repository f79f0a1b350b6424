using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Packets;

[Flags]
public enum RewriteFields : byte
{
    None = 0,
    Src = 1,
    Dst = 2,

    /// <summary>The embedded packet of an ICMP error (it travelled the other way): its source.</summary>
    InnerSrc = 4,
    InnerDst = 8,
}

/// <summary>
/// What NAT writes into one packet: new source and/or destination (address and, for TCP/UDP/SCTP, port) and, for an
/// ICMP error about a NAT'd flow, new addresses and ports of the embedded packet. Computed by the DNAT stage from the
/// service decision or the conntrack entry; applied to the bytes by the NAT stage.
/// </summary>
public struct Rewrite
{
    public RewriteFields Fields;
    public ulong SrcHigh, SrcLow, DstHigh, DstLow;
    public ushort SrcPort, DstPort;
    public ulong InnerSrcHigh, InnerSrcLow, InnerDstHigh, InnerDstLow;
    public ushort InnerSrcPort, InnerDstPort;

    public readonly bool Any => Fields != RewriteFields.None;

    /// <summary>The original direction of a NAT'd flow: destination to the backend, source to the SNAT address.</summary>
    public static Rewrite Forward(in NatRewrite nat)
    {
        var r = default(Rewrite);
        if ((nat.Kind & NatKind.Dnat) != 0)
        {
            r.Fields |= RewriteFields.Dst;
            r.DstHigh = nat.DstHigh;
            r.DstLow = nat.DstLow;
            r.DstPort = nat.DstPort;
        }
        if ((nat.Kind & NatKind.Snat) != 0)
        {
            r.Fields |= RewriteFields.Src;
            r.SrcHigh = nat.SrcHigh;
            r.SrcLow = nat.SrcLow;
            r.SrcPort = nat.SrcPort;
        }
        return r;
    }

    /// <summary>
    /// The reply direction of a NAT'd flow whose original tuple is <paramref name="original"/>: the source goes back to
    /// the frontend (un-DNAT), the destination back to the client (un-SNAT).
    /// </summary>
    public static Rewrite Reverse(in NatRewrite nat, in FlowKey original)
    {
        var r = default(Rewrite);
        if ((nat.Kind & NatKind.Dnat) != 0)
        {
            r.Fields |= RewriteFields.Src;
            r.SrcHigh = original.DstHigh;
            r.SrcLow = original.DstLow;
            r.SrcPort = original.DestinationPort;
        }
        if ((nat.Kind & NatKind.Snat) != 0)
        {
            r.Fields |= RewriteFields.Dst;
            r.DstHigh = original.SrcHigh;
            r.DstLow = original.SrcLow;
            r.DstPort = original.SourcePort;
        }
        return r;
    }

    /// <summary>
    /// An ICMP error about a NAT'd flow. <paramref name="replyDirection"/>: the error travels the reply way (it reports
    /// on a NAT'd original packet); the outer header is un-NAT'd like a reply and the embedded packet gets back its
    /// original tuple. Otherwise the outer header is NAT'd like an original packet and the embedded one (a reply) gets
    /// the NAT'd tuple. As Linux's nf_nat_icmp_reply_translation, the outer addresses are set whoever sent the error.
    /// </summary>
    public static Rewrite Related(in NatRewrite nat, in FlowKey original, bool replyDirection)
    {
        var outer = replyDirection ? Reverse(nat, original) : Forward(nat);
        var r = outer;
        if (replyDirection)
        {
            // Embedded: the original packet after NAT (SNAT'd source, backend destination) -> back to the original tuple.
            if ((nat.Kind & NatKind.Snat) != 0)
            {
                r.Fields |= RewriteFields.InnerSrc;
                r.InnerSrcHigh = original.SrcHigh;
                r.InnerSrcLow = original.SrcLow;
                r.InnerSrcPort = original.SourcePort;
            }
            if ((nat.Kind & NatKind.Dnat) != 0)
            {
                r.Fields |= RewriteFields.InnerDst;
                r.InnerDstHigh = original.DstHigh;
                r.InnerDstLow = original.DstLow;
                r.InnerDstPort = original.DestinationPort;
            }
        }
        else
        {
            // Embedded: a reply as the client saw it (frontend -> client) -> as the backend sent it (backend -> SNAT address).
            if ((nat.Kind & NatKind.Dnat) != 0)
            {
                r.Fields |= RewriteFields.InnerSrc;
                r.InnerSrcHigh = nat.DstHigh;
                r.InnerSrcLow = nat.DstLow;
                r.InnerSrcPort = nat.DstPort;
            }
            if ((nat.Kind & NatKind.Snat) != 0)
            {
                r.Fields |= RewriteFields.InnerDst;
                r.InnerDstHigh = nat.SrcHigh;
                r.InnerDstLow = nat.SrcLow;
                r.InnerDstPort = nat.SrcPort;
            }
        }
        return r;
    }
}
