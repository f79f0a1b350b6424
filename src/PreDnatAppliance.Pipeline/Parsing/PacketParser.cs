using System.Runtime.CompilerServices;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Parsing;

/// <summary>Protocol numbers and EtherTypes the parser knows.</summary>
public static class Protocols
{
    public const ushort EtherTypeIpv4 = 0x0800;
    public const ushort EtherTypeArp = 0x0806;
    public const ushort EtherTypeVlan = 0x8100;
    public const ushort EtherTypeQinQ = 0x88A8;
    public const ushort EtherTypeIpv6 = 0x86DD;

    public const byte HopByHop = 0;
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Ipv6Routing = 43;
    public const byte Ipv6Fragment = 44;
    public const byte Esp = 50;
    public const byte AuthenticationHeader = 51;
    public const byte Icmpv6 = 58;

    /// <summary>ICMPv6 neighbour discovery (RFC 4861) message types.</summary>
    public const byte NeighborSolicitation = 135, NeighborAdvertisement = 136;

    public const byte Ipv6NoNextHeader = 59;
    public const byte Ipv6DestinationOptions = 60;
    public const byte Sctp = 132;

    /// <summary>
    /// ICMP messages that carry an identifier conntrack keys on (at bytes 4-5): echo, timestamp, information
    /// and address mask request/reply for ICMPv4 (as Linux conntrack), echo request/reply for ICMPv6.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsIcmpQuery(byte type, bool v6) =>
        v6 ? type is 128 or 129 : type is 0 or 8 or 13 or 14 or 15 or 16 or 17 or 18;

    /// <summary>
    /// ICMP errors, which carry the offending packet's IP header and at least 8 bytes of its L4: ICMPv4
    /// destination unreachable (incl. fragmentation needed), source quench, redirect, time exceeded, parameter
    /// problem (as Linux conntrack); ICMPv6 destination unreachable, packet too big, time exceeded, parameter
    /// problem.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsIcmpError(byte type, bool v6) =>
        v6 ? type is 1 or 2 or 3 or 4 : type is 3 or 4 or 5 or 11 or 12;
}

/// <summary>One packet's parse result before it is stored into the <see cref="ParsedBurst"/> side arrays.</summary>
internal struct PacketInfo
{
    public ulong SrcHigh, SrcLow, DstHigh, DstLow;
    public ulong ArpSenderMac, ArpTargetMac;
    public uint ArpSenderIp, ArpTargetIp;
    public FlowKey Embedded;
    public ushort L3Offset, L3Length, L4Offset, EtherType, VlanId, InnerVlanId;
    public ushort SrcPort, DstPort, FlowSrcPort, FlowDstPort;
    public ushort EmbeddedL3Offset, EmbeddedL4Offset, ArpOpcode;
    public PacketFlags Flags;
    public byte IpVersion, Protocol, IcmpType, IcmpCode, TcpFlags;
}

/// <summary>
/// The straight-line header parser: Ethernet, up to two VLAN tags, ARP, IPv4, IPv6 with extension headers,
/// TCP, UDP, SCTP, ICMP and ICMPv6 (with the embedded packet of errors). Every read is preceded by an explicit
/// length test against the frame (or the L3 packet inside it), so no read leaves the frame; with
/// <see cref="CheckedReads"/> each read is verified again. Returns <see cref="DropReason.None"/> to keep the
/// packet, otherwise why it is dropped.
/// </summary>
internal static class PacketParser<TB> where TB : struct, IBoundsPolicy
{
    public const int EthernetHeader = 14;
    public const int VlanTag = 4;
    public const int ArpLength = 28;
    public const int Ipv4MinHeader = 20;
    public const int Ipv6Header = 40;

    /// <summary>Extension headers walked before the chain counts as a loop or flood (RFC 8200 needs at most 6 in practice).</summary>
    public const int MaxIpv6ExtensionHeaders = 8;

    public static unsafe DropReason Parse(byte* data, int length, out PacketInfo r)
    {
        r = default;
        var f = new FrameReader<TB>(data, length);
        if (length < EthernetHeader)
            return DropReason.TruncatedEthernet;

        var type = f.U16(12);
        var l3 = EthernetHeader;
        if (type is Protocols.EtherTypeVlan or Protocols.EtherTypeQinQ)
        {
            if (length < l3 + VlanTag)
                return DropReason.TruncatedVlan;
            r.VlanId = (ushort)(f.U16(l3) & 0x0FFF);
            r.Flags |= PacketFlags.Vlan;
            type = f.U16(l3 + 2);
            l3 += VlanTag;
            if (type is Protocols.EtherTypeVlan or Protocols.EtherTypeQinQ)
            {
                if (length < l3 + VlanTag)
                    return DropReason.TruncatedVlan;
                r.InnerVlanId = (ushort)(f.U16(l3) & 0x0FFF);
                r.Flags |= PacketFlags.QinQ;
                type = f.U16(l3 + 2);
                l3 += VlanTag;
                if (type is Protocols.EtherTypeVlan or Protocols.EtherTypeQinQ)
                    return DropReason.TooManyVlans;
            }
        }

        r.EtherType = type;
        r.L3Offset = (ushort)l3;
        return type switch
        {
            Protocols.EtherTypeIpv4 => Ipv4(in f, l3, ref r),
            Protocols.EtherTypeIpv6 => Ipv6(in f, l3, ref r),
            Protocols.EtherTypeArp => Arp(in f, l3, ref r),
            _ => DropReason.UnsupportedEtherType,
        };
    }

    private static DropReason Arp(in FrameReader<TB> f, int l3, ref PacketInfo r)
    {
        if (f.Length - l3 < ArpLength)
            return DropReason.TruncatedArp;
        // Ethernet hardware (1), IPv4 protocol, 6-byte and 4-byte addresses.
        if (f.U16(l3) != 1 || f.U16(l3 + 2) != Protocols.EtherTypeIpv4 || f.U8(l3 + 4) != 6 || f.U8(l3 + 5) != 4)
            return DropReason.ArpBadFormat;
        r.Flags |= PacketFlags.Arp;
        r.L3Length = ArpLength;
        r.ArpOpcode = f.U16(l3 + 6);
        r.ArpSenderMac = f.U48(l3 + 8);
        r.ArpSenderIp = f.U32(l3 + 14);
        r.ArpTargetMac = f.U48(l3 + 18);
        r.ArpTargetIp = f.U32(l3 + 24);
        return DropReason.None;
    }

    private static DropReason Ipv4(in FrameReader<TB> f, int l3, ref PacketInfo r)
    {
        var available = f.Length - l3;
        if (available < Ipv4MinHeader)
            return DropReason.TruncatedIpv4;
        var versionIhl = f.U8(l3);
        if (versionIhl >> 4 != 4)
            return DropReason.Ipv4BadVersion;
        var ihl = (versionIhl & 0x0F) << 2;
        if (ihl < Ipv4MinHeader || ihl > available)
            return DropReason.Ipv4BadIhl;
        int total = f.U16(l3 + 2);
        if (total < ihl || total > available)
            return DropReason.Ipv4BadTotalLength;

        int fragment = f.U16(l3 + 6);
        var protocol = f.U8(l3 + 9);
        r.IpVersion = 4;
        r.Protocol = protocol;
        r.SrcLow = f.U32(l3 + 12);
        r.DstLow = f.U32(l3 + 16);
        r.L3Length = (ushort)total;
        if (ihl > Ipv4MinHeader)
            r.Flags |= PacketFlags.IpOptions;
        if ((fragment & 0x1FFF) != 0)
        {
            r.Flags |= PacketFlags.LaterFragment;
            return DropReason.None;
        }
        if ((fragment & 0x2000) != 0)
            r.Flags |= PacketFlags.FirstFragment;
        return L4(in f, l3 + ihl, l3 + total, protocol, v6: false, ref r);
    }

    private static DropReason Ipv6(in FrameReader<TB> f, int l3, ref PacketInfo r)
    {
        if (f.Length - l3 < Ipv6Header)
            return DropReason.TruncatedIpv6;
        if (f.U8(l3) >> 4 != 6)
            return DropReason.Ipv6BadVersion;
        var end = l3 + Ipv6Header + f.U16(l3 + 4);
        if (end > f.Length)
            return DropReason.Ipv6BadPayloadLength;

        r.IpVersion = 6;
        r.L3Length = (ushort)(end - l3);
        r.SrcHigh = f.U64(l3 + 8);
        r.SrcLow = f.U64(l3 + 16);
        r.DstHigh = f.U64(l3 + 24);
        r.DstLow = f.U64(l3 + 32);
        var next = f.U8(l3 + 6);
        var pos = l3 + Ipv6Header;
        var walk = Extensions(in f, ref pos, end, ref next, ref r.Flags);
        if (walk != Walk.Done)
            return walk == Walk.Overrun ? DropReason.Ipv6ExtHeaderOverrun : DropReason.Ipv6TooManyExtHeaders;
        r.Protocol = next;
        if ((r.Flags & PacketFlags.LaterFragment) != 0)
            return DropReason.None;
        return L4(in f, pos, end, next, v6: true, ref r);
    }

    private enum Walk : byte
    {
        Done,
        Overrun,
        TooMany,
    }

    /// <summary>
    /// Walks IPv6 extension headers from <paramref name="pos"/> (the first header after the fixed one, whose
    /// type is <paramref name="next"/>) up to <paramref name="end"/>. On <see cref="Walk.Done"/>, <paramref name="pos"/>
    /// is the upper-layer header and <paramref name="next"/> its protocol. A fragment header with a non-zero
    /// offset ends the walk with <see cref="PacketFlags.LaterFragment"/> (what follows is fragment data).
    /// Every header advances by at least 8 bytes, and at most <see cref="MaxIpv6ExtensionHeaders"/> are taken.
    /// </summary>
    private static Walk Extensions(in FrameReader<TB> f, ref int pos, int end, ref byte next, ref PacketFlags flags)
    {
        for (var count = 0; ; count++)
        {
            if (next is not (Protocols.HopByHop or Protocols.Ipv6Routing or Protocols.Ipv6DestinationOptions
                or Protocols.Ipv6Fragment or Protocols.AuthenticationHeader))
                return Walk.Done;
            if (count == MaxIpv6ExtensionHeaders)
                return Walk.TooMany;
            // Every extension header is at least 8 bytes and starts with (next header, length).
            if (end - pos < 8)
                return Walk.Overrun;
            int size;
            var later = false;
            if (next == Protocols.Ipv6Fragment)
            {
                size = 8;
                int offsetFlags = f.U16(pos + 2);
                if ((offsetFlags & 0xFFF8) != 0)
                    later = true;
                else if ((offsetFlags & 1) != 0)
                    flags |= PacketFlags.FirstFragment;
            }
            else if (next == Protocols.AuthenticationHeader)
                size = (f.U8(pos + 1) + 2) << 2;
            else
                size = (f.U8(pos + 1) + 1) << 3;
            if (size > end - pos)
                return Walk.Overrun;
            flags |= PacketFlags.Ipv6Extensions;
            next = f.U8(pos);
            pos += size;
            if (later)
            {
                flags |= PacketFlags.LaterFragment;
                return Walk.Done;
            }
        }
    }

    private static DropReason L4(in FrameReader<TB> f, int l4, int end, byte protocol, bool v6, ref PacketInfo r)
    {
        var available = end - l4;
        r.L4Offset = (ushort)l4;
        switch (protocol)
        {
            case Protocols.Tcp:
            {
                if (available < 20)
                    return DropReason.TruncatedTcp;
                var dataOffset = (f.U8(l4 + 12) >> 4) << 2;
                if (dataOffset < 20 || dataOffset > available)
                    return DropReason.TcpBadDataOffset;
                r.SrcPort = r.FlowSrcPort = f.U16(l4);
                r.DstPort = r.FlowDstPort = f.U16(l4 + 2);
                r.TcpFlags = f.U8(l4 + 13);
                return DropReason.None;
            }
            case Protocols.Udp:
            {
                if (available < 8)
                    return DropReason.TruncatedUdp;
                int length = f.U16(l4 + 4);
                // The UDP length covers the whole datagram, so a first fragment carries less than it says.
                if (length < 8 || (length > available && (r.Flags & PacketFlags.FirstFragment) == 0))
                    return DropReason.UdpBadLength;
                r.SrcPort = r.FlowSrcPort = f.U16(l4);
                r.DstPort = r.FlowDstPort = f.U16(l4 + 2);
                return DropReason.None;
            }
            case Protocols.Sctp:
            {
                if (available < 12)
                    return DropReason.TruncatedSctp;
                r.SrcPort = r.FlowSrcPort = f.U16(l4);
                r.DstPort = r.FlowDstPort = f.U16(l4 + 2);
                return DropReason.None;
            }
            case Protocols.Icmp when !v6:
            case Protocols.Icmpv6 when v6:
            {
                if (available < 8)
                    return DropReason.TruncatedIcmp;
                var type = f.U8(l4);
                r.IcmpType = type;
                r.IcmpCode = f.U8(l4 + 1);
                if (v6 && type is Protocols.NeighborSolicitation or Protocols.NeighborAdvertisement)
                    r.Flags |= PacketFlags.NeighbourDiscovery;
                else if (Protocols.IsIcmpQuery(type, v6))
                    r.FlowSrcPort = f.U16(l4 + 4);
                else if (Protocols.IsIcmpError(type, v6))
                {
                    r.Flags |= PacketFlags.IcmpError;
                    return v6 ? EmbeddedIpv6(in f, l4 + 8, end, ref r) : EmbeddedIpv4(in f, l4 + 8, end, ref r);
                }
                return DropReason.None;
            }
            default:
                return DropReason.None;
        }
    }

    /// <summary>The IPv4 header and first 8 bytes of L4 inside an ICMP error (the embedded total length is not checked: the packet is cut).</summary>
    private static DropReason EmbeddedIpv4(in FrameReader<TB> f, int e, int end, ref PacketInfo r)
    {
        var available = end - e;
        if (available < Ipv4MinHeader)
            return DropReason.IcmpErrorTruncated;
        var versionIhl = f.U8(e);
        if (versionIhl >> 4 != 4)
            return DropReason.IcmpErrorBadEmbedded;
        var ihl = (versionIhl & 0x0F) << 2;
        if (ihl < Ipv4MinHeader)
            return DropReason.IcmpErrorBadEmbedded;
        if (ihl > available)
            return DropReason.IcmpErrorTruncated;
        var protocol = f.U8(e + 9);
        var src = f.U32(e + 12);
        var dst = f.U32(e + 16);
        r.EmbeddedL3Offset = (ushort)e;
        ushort sp = 0, dp = 0;
        if ((f.U16(e + 6) & 0x1FFF) == 0)
        {
            var reason = EmbeddedPorts(in f, e + ihl, end, protocol, v6: false, out sp, out dp);
            if (reason != DropReason.None)
                return reason;
            r.EmbeddedL4Offset = (ushort)(e + ihl);
        }
        r.Embedded = FlowKey.V4(src, dst, protocol, sp, dp);
        return DropReason.None;
    }

    private static DropReason EmbeddedIpv6(in FrameReader<TB> f, int e, int end, ref PacketInfo r)
    {
        if (end - e < Ipv6Header)
            return DropReason.IcmpErrorTruncated;
        if (f.U8(e) >> 4 != 6)
            return DropReason.IcmpErrorBadEmbedded;
        var srcHigh = f.U64(e + 8);
        var srcLow = f.U64(e + 16);
        var dstHigh = f.U64(e + 24);
        var dstLow = f.U64(e + 32);
        var next = f.U8(e + 6);
        var pos = e + Ipv6Header;
        var flags = PacketFlags.None;
        var walk = Extensions(in f, ref pos, end, ref next, ref flags);
        if (walk != Walk.Done)
            return walk == Walk.Overrun ? DropReason.IcmpErrorTruncated : DropReason.IcmpErrorBadEmbedded;
        r.EmbeddedL3Offset = (ushort)e;
        ushort sp = 0, dp = 0;
        if ((flags & PacketFlags.LaterFragment) == 0)
        {
            var reason = EmbeddedPorts(in f, pos, end, next, v6: true, out sp, out dp);
            if (reason != DropReason.None)
                return reason;
            r.EmbeddedL4Offset = (ushort)pos;
        }
        r.Embedded = new FlowKey(6, srcHigh, srcLow, dstHigh, dstLow, next, sp, dp);
        return DropReason.None;
    }

    /// <summary>Ports (or the ICMP query id) from the first 8 bytes of the embedded L4 header, which must be there for the protocols that have them.</summary>
    private static DropReason EmbeddedPorts(in FrameReader<TB> f, int l4, int end, byte protocol, bool v6, out ushort sp, out ushort dp)
    {
        sp = dp = 0;
        var icmp = v6 ? protocol == Protocols.Icmpv6 : protocol == Protocols.Icmp;
        if (protocol is not (Protocols.Tcp or Protocols.Udp or Protocols.Sctp) && !icmp)
            return DropReason.None;
        if (end - l4 < 8)
            return DropReason.IcmpErrorTruncated;
        if (icmp)
        {
            if (Protocols.IsIcmpQuery(f.U8(l4), v6))
                sp = f.U16(l4 + 4);
        }
        else
        {
            sp = f.U16(l4);
            dp = f.U16(l4 + 2);
        }
        return DropReason.None;
    }
}
