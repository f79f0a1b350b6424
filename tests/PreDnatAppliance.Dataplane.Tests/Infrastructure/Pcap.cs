using System.Buffers.Binary;

namespace PreDnatAppliance.Dataplane.Tests.Infrastructure;

/// <summary>Classic libpcap files (microsecond timestamps, Ethernet), enough to feed and check net_pcap.</summary>
public static class Pcap
{
    private const uint Magic = 0xa1b2c3d4;
    private const uint MagicNanos = 0xa1b23c4d;

    public static void Write(string path, IEnumerable<byte[]> packets)
    {
        using var f = File.Create(path);
        Span<byte> header = stackalloc byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header[20..], 1); // LINKTYPE_ETHERNET
        f.Write(header);
        uint i = 0;
        Span<byte> rec = stackalloc byte[16];
        foreach (var p in packets)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(rec, 1_700_000_000 + i / 1000);
            BinaryPrimitives.WriteUInt32LittleEndian(rec[4..], i % 1000 * 1000);
            BinaryPrimitives.WriteUInt32LittleEndian(rec[8..], (uint)p.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(rec[12..], (uint)p.Length);
            f.Write(rec);
            f.Write(p);
            i++;
        }
    }

    public static List<byte[]> Read(string path)
    {
        var data = File.ReadAllBytes(path);
        var magic = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (magic != Magic && magic != MagicNanos)
            throw new InvalidDataException($"{path}: not a little-endian pcap file (magic 0x{magic:x8})");
        var packets = new List<byte[]>();
        var at = 24;
        while (at + 16 <= data.Length)
        {
            var caplen = (int)BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(at + 8));
            at += 16;
            if (at + caplen > data.Length)
                throw new InvalidDataException($"{path}: truncated record at byte {at}");
            packets.Add(data.AsSpan(at, caplen).ToArray());
            at += caplen;
        }
        return packets;
    }

    /// <summary>Ethernet/IPv4/UDP packets of varied sizes (60..1514 bytes) from many flows, each unique by content.</summary>
    public static List<byte[]> Mix(int count, int seed, byte srcHost = 1)
    {
        var rng = new Random(seed);
        int[] sizes = { 60, 64, 128, 256, 512, 576, 1024, 1280, 1500, 1514 };
        var packets = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var size = i % 3 == 0 ? sizes[rng.Next(sizes.Length)] : rng.Next(60, 1515);
            var p = new byte[size];
            // Ethernet
            new byte[] { 0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, srcHost, 0x08, 0x00 }.CopyTo(p, 0);
            // IPv4
            p[14] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(16), (ushort)(size - 14));
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(18), (ushort)i);
            p[22] = 64;
            p[23] = 17;
            new byte[] { 203, 0, 113, srcHost }.CopyTo(p, 26);
            new byte[] { 192, 0, 2, 10 }.CopyTo(p, 30);
            ushort sum = 0;
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(24), sum);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(24), Ipv4Checksum(p.AsSpan(14, 20)));
            // UDP: many source ports, a NodePort destination
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(34), (ushort)(20000 + i));
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(36), 30080);
            BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(38), (ushort)(size - 34));
            for (var j = 42; j < size; j++)
                p[j] = (byte)rng.Next(256);
            packets.Add(p);
        }
        return packets;
    }

    private static ushort Ipv4Checksum(ReadOnlySpan<byte> header)
    {
        uint sum = 0;
        for (var i = 0; i < header.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(header[i..]);
        while (sum >> 16 != 0)
            sum = (sum & 0xffff) + (sum >> 16);
        return (ushort)~sum;
    }
}
