using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Routing;

namespace PreDnatAppliance.Pipeline.Packets;

/// <summary>A received Neighbor Solicitation or Advertisement, as <see cref="NeighbourDiscovery.TryRead"/> validated it.</summary>
public readonly record struct NeighbourMessage(byte Type, ulong TargetHigh, ulong TargetLow, bool Solicited, ulong LinkLayerAddress);

/// <summary>
/// IPv6 neighbour discovery messages (RFC 4861): reading and validating a received Neighbor Solicitation or
/// Advertisement the way Linux's ndisc does, turning a solicitation into the advertisement that answers it (in its
/// own buffer), and building a solicitation for an unknown next hop. No allocation.
/// </summary>
public static unsafe class NeighbourDiscovery
{
    /// <summary>ND messages are sent with hop limit 255, and one received with less came through a router (RFC 4861 §7.1).</summary>
    public const byte HopLimit = 255;

    /// <summary>ICMPv6 header, reserved/flags word and target address.</summary>
    public const int MessageLength = 24;

    /// <summary>An advertisement or solicitation with one link-layer address option, as the appliance sends them.</summary>
    public const int SentLength = MessageLength + 8;

    private const byte SourceLinkLayerOption = 1, TargetLinkLayerOption = 2;
    private const byte RouterFlag = 0x80, SolicitedFlag = 0x40, OverrideFlag = 0x20;

    /// <summary>ff02::1 (all nodes), where an answer to duplicate address detection goes.</summary>
    public const ulong AllNodesHigh = 0xFF02_0000_0000_0000UL, AllNodesLow = 1;

    /// <summary>
    /// Reads the message at <paramref name="ip"/> (IPv6 header) / <paramref name="icmp"/> (<paramref name="icmpLength"/>
    /// bytes). False when Linux would drop it: hop limit not 255, code not 0, bad checksum, shorter than 24 bytes, a
    /// multicast target, an option of length 0 or past the end; a solicitation from :: (duplicate address detection)
    /// not to a solicited-node address or with a source link-layer option; a solicited advertisement to a multicast
    /// destination.
    /// </summary>
    public static bool TryRead(byte* ip, byte* icmp, int icmpLength, out NeighbourMessage message)
    {
        message = default;
        if (icmpLength < MessageLength || ip[7] != HopLimit || icmp[1] != 0)
            return false;
        if (Checksum.Compute(icmp, icmpLength, Checksum.PseudoHeader6(ip, (uint)icmpLength, Protocols.Icmpv6)) != 0)
            return false;
        var type = icmp[0];
        var targetHigh = Checksum.Get64(icmp + 8);
        var targetLow = Checksum.Get64(icmp + 16);
        if (IsMulticast(targetHigh))
            return false;
        var wanted = type == Protocols.NeighborSolicitation ? SourceLinkLayerOption : TargetLinkLayerOption;
        ulong linkLayer = 0;
        for (var o = MessageLength; o < icmpLength;)
        {
            if (o + 2 > icmpLength)
                return false;
            var length = icmp[o + 1] * 8;
            if (length == 0 || o + length > icmpLength)
                return false;
            if (icmp[o] == wanted && length >= 8)
                linkLayer = MacAddress.Read(icmp + o + 2);
            o += length;
        }
        var solicited = (icmp[4] & SolicitedFlag) != 0;
        var destinationHigh = Checksum.Get64(ip + 24);
        var destinationLow = Checksum.Get64(ip + 32);
        if (type == Protocols.NeighborSolicitation)
        {
            var fromUnspecified = Checksum.Get64(ip + 8) == 0 && Checksum.Get64(ip + 16) == 0;
            if (fromUnspecified && (linkLayer != 0 || !IsSolicitedNode(destinationHigh, destinationLow)))
                return false;
        }
        else if (solicited && IsMulticast(destinationHigh))
            return false;
        message = new NeighbourMessage(type, targetHigh, targetLow, solicited, linkLayer);
        return true;
    }

    public static bool IsMulticast(ulong high) => high >> 56 == 0xFF;

    /// <summary>ff02::1:ffXX:XXXX, the solicited-node multicast address of an address with those low 24 bits.</summary>
    public static void SolicitedNode(ulong low, out ulong high, out ulong solicitedLow)
    {
        high = 0xFF02_0000_0000_0000UL;
        solicitedLow = 0x0000_0001_FF00_0000UL | (low & 0xFF_FFFF);
    }

    private static bool IsSolicitedNode(ulong high, ulong low) => high == 0xFF02_0000_0000_0000UL && (low & ~0xFF_FFFFUL) == 0x0000_0001_FF00_0000UL;

    /// <summary>33:33 followed by the low 32 bits of the multicast address (RFC 2464 §7).</summary>
    public static ulong MulticastMac(ulong low) => 0x3333_0000_0000UL | (low & 0xFFFF_FFFF);

    /// <summary>
    /// Rewrites the Neighbor Solicitation at <paramref name="l3"/> into the Neighbor Advertisement that answers it:
    /// "<paramref name="targetHigh"/>:<paramref name="targetLow"/> is at <paramref name="mac"/>", from the target,
    /// router flag set (the appliance forwards), override set, solicited unless the solicitation came from ::
    /// (duplicate address detection: then to ff02::1, RFC 4861 §7.2.4). VLAN tags are kept. False when the buffer
    /// lacks room.
    /// </summary>
    public static bool TryAdvertise(nint m, int l3, ulong targetHigh, ulong targetLow, ulong mac)
    {
        var p = Dataplane.Interop.Mbuf.Data(m);
        var room = MbufEdit.BufLen(m) - MbufEdit.DataOff(m);
        if (l3 + 40 + SentLength > room)
            return false;
        var ip = p + l3;
        var sourceHigh = Checksum.Get64(ip + 8);
        var sourceLow = Checksum.Get64(ip + 16);
        var dad = sourceHigh == 0 && sourceLow == 0;
        if (dad)
        {
            sourceHigh = AllNodesHigh;
            sourceLow = AllNodesLow;
        }
        WriteHeader(ip, targetHigh, targetLow, sourceHigh, sourceLow);
        var icmp = ip + 40;
        icmp[0] = Protocols.NeighborAdvertisement;
        Checksum.Put32(icmp + 4, (uint)(RouterFlag | OverrideFlag | (dad ? 0 : SolicitedFlag)) << 24);
        Checksum.Put64(icmp + 8, targetHigh);
        Checksum.Put64(icmp + 16, targetLow);
        WriteOption(icmp, TargetLinkLayerOption, mac);
        // To the requester's hardware address, as Linux answers from the frame it got (or all nodes for DAD).
        MacAddress.Write(p, dad ? MulticastMac(AllNodesLow) : MacAddress.Read(p + 6));
        MacAddress.Write(p + 6, mac);
        MbufEdit.SetLength(m, l3 + 40 + SentLength);
        return true;
    }

    /// <summary>
    /// Replaces the frame with a Neighbor Solicitation for <paramref name="targetHigh"/>:<paramref name="targetLow"/>
    /// from <paramref name="sourceHigh"/>:<paramref name="sourceLow"/> (with <paramref name="portMac"/> as the source
    /// link-layer option) to the target's solicited-node address and its 33:33:ff MAC (untagged). False when the buffer lacks room.
    /// </summary>
    public static bool TrySolicit(nint m, ulong portMac, ulong sourceHigh, ulong sourceLow, ulong targetHigh, ulong targetLow)
    {
        var p = Dataplane.Interop.Mbuf.Data(m);
        var room = MbufEdit.BufLen(m) - MbufEdit.DataOff(m);
        if (14 + 40 + SentLength > room)
            return false;
        SolicitedNode(targetLow, out var groupHigh, out var groupLow);
        MacAddress.Write(p, MulticastMac(groupLow));
        MacAddress.Write(p + 6, portMac);
        Checksum.Put16(p + 12, Protocols.EtherTypeIpv6);
        var ip = p + 14;
        WriteHeader(ip, sourceHigh, sourceLow, groupHigh, groupLow);
        var icmp = ip + 40;
        icmp[0] = Protocols.NeighborSolicitation;
        Checksum.Put32(icmp + 4, 0);
        Checksum.Put64(icmp + 8, targetHigh);
        Checksum.Put64(icmp + 16, targetLow);
        WriteOption(icmp, SourceLinkLayerOption, portMac);
        MbufEdit.SetLength(m, 14 + 40 + SentLength);
        return true;
    }

    private static void WriteHeader(byte* ip, ulong sourceHigh, ulong sourceLow, ulong destinationHigh, ulong destinationLow)
    {
        Checksum.Put32(ip, 0x60000000);
        Checksum.Put16(ip + 4, SentLength);
        ip[6] = Protocols.Icmpv6;
        ip[7] = HopLimit;
        Checksum.Put64(ip + 8, sourceHigh);
        Checksum.Put64(ip + 16, sourceLow);
        Checksum.Put64(ip + 24, destinationHigh);
        Checksum.Put64(ip + 32, destinationLow);
    }

    /// <summary>The link-layer address option and the ICMPv6 checksum (the header and the message body are written).</summary>
    private static void WriteOption(byte* icmp, byte option, ulong mac)
    {
        icmp[1] = 0;
        icmp[MessageLength] = option;
        icmp[MessageLength + 1] = 1;
        MacAddress.Write(icmp + MessageLength + 2, mac);
        Checksum.Put16(icmp + 2, 0);
        Checksum.Put16(icmp + 2, Checksum.Compute(icmp, SentLength, Checksum.PseudoHeader6(icmp - 40, SentLength, Protocols.Icmpv6)));
    }
}
