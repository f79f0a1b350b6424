using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Pipeline.Routing;

namespace PreDnatAppliance.Pipeline.Packets;

/// <summary>
/// Turns a received packet into the packet the appliance answers with, in its own buffer (no allocation): an ICMP
/// port unreachable (kube-proxy's REJECT), an ARP reply for a node address, or an ARP request for an unknown
/// next hop. VLAN tags of the received frame are kept for the answers sent back on the same link.
/// </summary>
public static unsafe class PacketBuilders
{
    /// <summary>Largest IPv4 ICMP error (RFC 1812 §4.3.2.3: as much of the original as fits in 576 bytes).</summary>
    public const int MaxIcmp4Error = 576;

    /// <summary>Largest ICMPv6 error (RFC 4443 §2.4: no more than the minimum IPv6 MTU).</summary>
    public const int MaxIcmp6Error = 1280;

    /// <summary>
    /// Rewrites the packet at <paramref name="l3"/> (an IPv4 or IPv6 packet of <paramref name="l3Length"/> bytes)
    /// into an ICMP destination unreachable / port unreachable (ICMPv6: type 1 code 4) sent back to its source from
    /// its destination, from <paramref name="portMac"/> to the sender's MAC. False when the buffer lacks room.
    /// </summary>
    public static bool TryPortUnreachable(nint m, int l3, int l3Length, byte ipVersion, ulong portMac)
    {
        var p = Mbuf.Data(m);
        var room = MbufEdit.BufLen(m) - MbufEdit.DataOff(m);
        int header = ipVersion == 4 ? 28 : 48;
        var copy = Math.Min(l3Length, (ipVersion == 4 ? MaxIcmp4Error : MaxIcmp6Error) - header);
        if (l3 + header + copy > room)
            return false;
        var ip = p + l3;
        Buffer.MemoryCopy(ip, ip + header, room - l3 - header, copy);
        var original = ip + header;
        if (ipVersion == 4)
        {
            ip[0] = 0x45;
            ip[1] = 0xC0;                        // internetwork control, as Linux's icmp_send
            Checksum.Put16(ip + 2, (ushort)(header + copy));
            Checksum.Put32(ip + 4, 0);           // id 0, no fragmentation
            ip[8] = 64;
            ip[9] = 1;
            Checksum.Put16(ip + 10, 0);
            Buffer.MemoryCopy(original + 16, ip + 12, 4, 4);   // source: the original destination
            Buffer.MemoryCopy(original + 12, ip + 16, 4, 4);   // destination: the original source
            Checksum.Put16(ip + 10, Checksum.Compute(ip, 20));
            var icmp = ip + 20;
            icmp[0] = 3;
            icmp[1] = 3;
            Checksum.Put16(icmp + 2, 0);
            Checksum.Put32(icmp + 4, 0);
            Checksum.Put16(icmp + 2, Checksum.Compute(icmp, 8 + copy));
        }
        else
        {
            Checksum.Put32(ip, 0x60000000);
            Checksum.Put16(ip + 4, (ushort)(8 + copy));
            ip[6] = 58;
            ip[7] = 64;
            Buffer.MemoryCopy(original + 24, ip + 8, 16, 16);
            Buffer.MemoryCopy(original + 8, ip + 24, 16, 16);
            var icmp = ip + 40;
            icmp[0] = 1;
            icmp[1] = 4;
            Checksum.Put16(icmp + 2, 0);
            Checksum.Put32(icmp + 4, 0);
            var sum = Checksum.PseudoHeader6(ip, (uint)(8 + copy), 58);
            Checksum.Put16(icmp + 2, Checksum.Compute(icmp, 8 + copy, sum));
        }
        // Back where it came from.
        var sender = MacAddress.Read(p + 6);
        MacAddress.Write(p, sender);
        MacAddress.Write(p + 6, portMac);
        MbufEdit.SetLength(m, Math.Max(l3 + header + copy, Math.Min(60, room)));
        if (l3 + header + copy < 60)
            new Span<byte>(p + l3 + header + copy, Math.Min(60, room) - (l3 + header + copy)).Clear();
        return true;
    }

    /// <summary>Answers an ARP request in place: "<paramref name="targetIp"/> is at <paramref name="portMac"/>".</summary>
    public static void ArpReply(nint m, int l3, ulong portMac)
    {
        var p = Mbuf.Data(m);
        var arp = p + l3;
        var senderMac = MacAddress.Read(arp + 8);
        var senderIp = Checksum.Get32(arp + 14);
        var targetIp = Checksum.Get32(arp + 24);
        Checksum.Put16(arp + 6, 2);
        MacAddress.Write(arp + 8, portMac);
        Checksum.Put32(arp + 14, targetIp);
        MacAddress.Write(arp + 18, senderMac);
        Checksum.Put32(arp + 24, senderIp);
        MacAddress.Write(p, senderMac);      // to the requester's hardware address, as Linux's arp_send does
        MacAddress.Write(p + 6, portMac);
    }

    /// <summary>
    /// Replaces the frame with a broadcast ARP request "who has <paramref name="targetIp"/>? tell <paramref name="senderIp"/>"
    /// (untagged, padded to 60 bytes). False when the buffer has less than 60 bytes from the frame's start (a short
    /// frame at the very end of its buffer).
    /// </summary>
    public static bool TryArpRequest(nint m, ulong portMac, uint senderIp, uint targetIp)
    {
        if (MbufEdit.BufLen(m) - MbufEdit.DataOff(m) < 60)
            return false;
        var p = Mbuf.Data(m);
        new Span<byte>(p, 60).Clear();
        MacAddress.Write(p, MacAddress.Broadcast);
        MacAddress.Write(p + 6, portMac);
        Checksum.Put16(p + 12, 0x0806);
        var arp = p + 14;
        Checksum.Put16(arp, 1);
        Checksum.Put16(arp + 2, 0x0800);
        arp[4] = 6;
        arp[5] = 4;
        Checksum.Put16(arp + 6, 1);
        MacAddress.Write(arp + 8, portMac);
        Checksum.Put32(arp + 14, senderIp);
        Checksum.Put32(arp + 24, targetIp);
        MbufEdit.SetLength(m, 60);
        return true;
    }

    /// <summary>Decrements the IPv4 TTL (with its checksum) or the IPv6 hop limit; false when it was 1 or 0 (the packet must not be forwarded).</summary>
    public static bool DecrementTtl(byte* ip, byte ipVersion)
    {
        if (ipVersion == 4)
        {
            var ttl = ip[8];
            if (ttl <= 1)
                return false;
            ip[8] = (byte)(ttl - 1);
            Checksum.ApplyAt(ip + 10, Checksum.Delta16((ushort)(ttl << 8 | ip[9]), (ushort)((ttl - 1) << 8 | ip[9])));
            return true;
        }
        var hops = ip[7];
        if (hops <= 1)
            return false;
        ip[7] = (byte)(hops - 1);
        return true;
    }
}
