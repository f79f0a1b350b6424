using PreDnatAppliance.Pipeline.Parsing;

namespace PreDnatAppliance.Pipeline.Packets;

/// <summary>
/// Applies a <see cref="Rewrite"/> to a parsed frame in place with incremental checksum updates (RFC 1624): the IPv4
/// header checksum, the TCP/UDP checksums (their pseudo-header covers the addresses), ICMPv6's (likewise), SCTP's
/// CRC32c (recomputed: it covers ports, not addresses), and for an ICMP error the embedded IP header, its ports and
/// its checksums, with every embedded change carried into the ICMP checksum.
/// </summary>
public static unsafe class NatRewriter
{
    public const byte Tcp = 6, Udp = 17, Sctp = 132, Icmp = 1, Icmp6 = 58;

    /// <summary>The parsed facts the rewrite needs, copied from a <see cref="ParsedBurst"/> row.</summary>
    public struct Frame
    {
        public byte* Data;
        public int L3, L4, L3Length;
        public byte IpVersion, Protocol;
        public PacketFlags Flags;
        public int InnerL3, InnerL4;
    }

    public static void Apply(in Frame f, in Rewrite r)
    {
        if (!r.Any || f.IpVersion is not (4 or 6))
            return;
        var ip = f.Data + f.L3;
        var hasL4 = f.L4 != 0 && (f.Flags & PacketFlags.LaterFragment) == 0;
        var l4 = f.Data + f.L4;
        var end = f.Data + f.L3 + f.L3Length;
        var isError = (f.Flags & PacketFlags.IcmpError) != 0;

        // Outer addresses.
        ulong addressDelta = 0;
        if (f.IpVersion == 4)
        {
            if ((r.Fields & RewriteFields.Src) != 0)
                addressDelta += Set32(ip + 12, (uint)r.SrcLow);
            if ((r.Fields & RewriteFields.Dst) != 0)
                addressDelta += Set32(ip + 16, (uint)r.DstLow);
            if (addressDelta != 0)
                Checksum.ApplyAt(ip + 10, addressDelta);
        }
        else
        {
            if ((r.Fields & RewriteFields.Src) != 0)
                addressDelta += Set64(ip + 8, r.SrcHigh) + Set64(ip + 16, r.SrcLow);
            if ((r.Fields & RewriteFields.Dst) != 0)
                addressDelta += Set64(ip + 24, r.DstHigh) + Set64(ip + 32, r.DstLow);
        }
        if (!hasL4)
            return;

        if (isError)
        {
            // ICMP(v6) error: the outer "ports" do not exist; the embedded packet is rewritten and every embedded
            // change goes into the ICMP checksum (ICMPv6's also covers the outer addresses).
            var icmpDelta = f.IpVersion == 6 ? addressDelta : 0;
            if (f.InnerL3 != 0)
                icmpDelta += RewriteInner(f, r, end);
            if (icmpDelta != 0 && l4 + 4 <= end)
                Checksum.ApplyAt(l4 + 2, icmpDelta);
            return;
        }

        switch (f.Protocol)
        {
            case Tcp:
            {
                var delta = addressDelta + Ports(l4, r);
                if (delta != 0)
                    Checksum.ApplyAt(l4 + 16, delta);
                break;
            }
            case Udp:
            {
                var delta = addressDelta + Ports(l4, r);
                if (delta != 0)
                    Checksum.ApplyUdpAt(l4 + 6, delta, f.IpVersion == 4);
                break;
            }
            case Sctp:
                if (Ports(l4, r) != 0 && (f.Flags & PacketFlags.FirstFragment) == 0)
                    Checksum.SctpRecompute(l4, (int)(end - l4));
                break;
            case Icmp6:
                if (addressDelta != 0)
                    Checksum.ApplyAt(l4 + 2, addressDelta);
                break;
        }
    }

    /// <summary>Rewrites the embedded packet of an ICMP error; returns the checksum delta of every byte it changed.</summary>
    private static ulong RewriteInner(in Frame f, in Rewrite r, byte* end)
    {
        var ip = f.Data + f.InnerL3;
        ulong icmpDelta = 0;
        ulong addressDelta = 0;
        byte protocol;
        if (f.IpVersion == 4)
        {
            protocol = ip[9];
            if ((r.Fields & RewriteFields.InnerSrc) != 0)
                addressDelta += Set32(ip + 12, (uint)r.InnerSrcLow);
            if ((r.Fields & RewriteFields.InnerDst) != 0)
                addressDelta += Set32(ip + 16, (uint)r.InnerDstLow);
            if (addressDelta != 0)
            {
                var old = Checksum.Get16(ip + 10);
                Checksum.ApplyAt(ip + 10, addressDelta);
                icmpDelta += addressDelta + Checksum.Delta16(old, Checksum.Get16(ip + 10));
            }
        }
        else
        {
            protocol = ip[6];
            if ((r.Fields & RewriteFields.InnerSrc) != 0)
                addressDelta += Set64(ip + 8, r.InnerSrcHigh) + Set64(ip + 16, r.InnerSrcLow);
            if ((r.Fields & RewriteFields.InnerDst) != 0)
                addressDelta += Set64(ip + 24, r.InnerDstHigh) + Set64(ip + 32, r.InnerDstLow);
            icmpDelta += addressDelta;
        }
        if (f.InnerL4 == 0 || protocol is not (Tcp or Udp or Sctp))
            return icmpDelta;
        var l4 = f.Data + f.InnerL4;
        var portDelta = 0UL;
        if ((r.Fields & RewriteFields.InnerSrc) != 0)
            portDelta += Set16(l4, r.InnerSrcPort);
        if ((r.Fields & RewriteFields.InnerDst) != 0)
            portDelta += Set16(l4 + 2, r.InnerDstPort);
        icmpDelta += portDelta;
        // The embedded L4 checksum, when the error carries it (UDP's is in the first 8 bytes; TCP's at 16).
        var l4Delta = addressDelta + portDelta;
        if (l4Delta != 0)
        {
            var field = protocol == Udp ? l4 + 6 : protocol == Tcp ? l4 + 16 : null;
            if (field is not null && field + 2 <= end)
            {
                var old = Checksum.Get16(field);
                if (protocol == Udp)
                    Checksum.ApplyUdpAt(field, l4Delta, f.IpVersion == 4);
                else
                    Checksum.ApplyAt(field, l4Delta);
                icmpDelta += Checksum.Delta16(old, Checksum.Get16(field));
            }
        }
        return icmpDelta;
    }

    private static ulong Ports(byte* l4, in Rewrite r)
    {
        ulong delta = 0;
        if ((r.Fields & RewriteFields.Src) != 0)
            delta += Set16(l4, r.SrcPort);
        if ((r.Fields & RewriteFields.Dst) != 0)
            delta += Set16(l4 + 2, r.DstPort);
        return delta;
    }

    private static ulong Set16(byte* p, ushort v)
    {
        var old = Checksum.Get16(p);
        if (old == v)
            return 0;
        Checksum.Put16(p, v);
        return Checksum.Delta16(old, v);
    }

    private static ulong Set32(byte* p, uint v)
    {
        var old = Checksum.Get32(p);
        if (old == v)
            return 0;
        Checksum.Put32(p, v);
        return Checksum.Delta32(old, v);
    }

    private static ulong Set64(byte* p, ulong v)
    {
        var old = Checksum.Get64(p);
        if (old == v)
            return 0;
        Checksum.Put64(p, v);
        return Checksum.Delta64(old, v);
    }
}
