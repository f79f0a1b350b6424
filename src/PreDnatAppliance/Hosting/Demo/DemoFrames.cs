using System.Buffers.Binary;
using System.Net;

namespace PreDnatAppliance.Hosting.Demo;

/// <summary>Ethernet/IPv4 frames with valid checksums for the demo traffic (TCP and UDP).</summary>
public static class DemoFrames
{
    public const byte Syn = 0x02, Ack = 0x10, Psh = 0x08;

    public static byte[] Tcp(ulong srcMac, ulong dstMac, string src, string dst, ushort srcPort, ushort dstPort, byte flags, int payload = 0)
    {
        var l4 = new byte[20 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dstPort);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(4), 1000);
        BinaryPrimitives.WriteUInt32BigEndian(l4.AsSpan(8), (flags & Ack) != 0 ? 5000u : 0u);
        l4[12] = 0x50;
        l4[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(14), 64240);
        return Ipv4Frame(srcMac, dstMac, src, dst, 6, l4, checksumOffset: 16);
    }

    public static byte[] Udp(ulong srcMac, ulong dstMac, string src, string dst, ushort srcPort, ushort dstPort, int payload = 16)
    {
        var l4 = new byte[8 + payload];
        BinaryPrimitives.WriteUInt16BigEndian(l4, srcPort);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(2), dstPort);
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(4), (ushort)l4.Length);
        return Ipv4Frame(srcMac, dstMac, src, dst, 17, l4, checksumOffset: 6);
    }

    private static byte[] Ipv4Frame(ulong srcMac, ulong dstMac, string src, string dst, byte protocol, byte[] l4, int checksumOffset)
    {
        var s = IPAddress.Parse(src).GetAddressBytes();
        var d = IPAddress.Parse(dst).GetAddressBytes();
        var frame = new byte[Math.Max(60, 14 + 20 + l4.Length)];
        WriteMac(frame, dstMac);
        WriteMac(frame.AsSpan(6), srcMac);
        BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(12), 0x0800);
        var ip = frame.AsSpan(14, 20);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(20 + l4.Length));
        ip[6] = 0x40; // don't fragment
        ip[8] = 64;
        ip[9] = protocol;
        s.CopyTo(ip[12..]);
        d.CopyTo(ip[16..]);
        BinaryPrimitives.WriteUInt16BigEndian(ip[10..], Fold(Sum(ip, 0)));

        // The L4 checksum covers the pseudo header (addresses, protocol, length) and the segment.
        uint pseudo = Sum(s, 0) + Sum(d, 0) + protocol + (uint)l4.Length;
        BinaryPrimitives.WriteUInt16BigEndian(l4.AsSpan(checksumOffset), Fold(Sum(l4, pseudo)));
        l4.CopyTo(frame, 34);
        return frame;
    }

    private static uint Sum(ReadOnlySpan<byte> data, uint sum)
    {
        for (var i = 0; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (data.Length % 2 == 1)
            sum += (uint)data[^1] << 8;
        return sum;
    }

    private static ushort Fold(uint sum)
    {
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }

    private static void WriteMac(Span<byte> at, ulong mac)
    {
        for (var i = 0; i < 6; i++)
            at[i] = (byte)(mac >> (40 - 8 * i));
    }
}
