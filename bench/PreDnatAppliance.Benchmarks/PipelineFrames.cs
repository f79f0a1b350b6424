using System.Buffers.Binary;
using PreDnatAppliance.Pipeline.Packets;

namespace PreDnatAppliance.Benchmarks;

/// <summary>Untagged TCP/IPv4 frames with valid IP and TCP checksums, padded to 60 bytes, for the pipeline benchmarks.</summary>
public static unsafe class PipelineFrames
{
    public const byte Syn = 0x02, Ack = 0x10, SynAck = Syn | Ack;

    public static uint V4(string address) => BinaryPrimitives.ReadUInt32BigEndian(System.Net.IPAddress.Parse(address).GetAddressBytes());

    public static byte[] Tcp(uint src, uint dst, ushort sourcePort, ushort destinationPort, byte flags, uint seq = 1000, uint ack = 0)
    {
        var f = new byte[60];
        f[0] = 0x02; f[5] = 0x01;                         // 02:00:00:00:00:01
        f[6] = 0x02; f[11] = 0x02;                        // 02:00:00:00:00:02
        f[12] = 0x08;
        fixed (byte* p = f)
        {
            var ip = p + 14;
            ip[0] = 0x45;
            Checksum.Put16(ip + 2, 40);
            ip[8] = 64;
            ip[9] = 6;
            Checksum.Put32(ip + 12, src);
            Checksum.Put32(ip + 16, dst);
            Checksum.Put16(ip + 10, Checksum.Compute(ip, 20));
            var tcp = ip + 20;
            Checksum.Put16(tcp, sourcePort);
            Checksum.Put16(tcp + 2, destinationPort);
            Checksum.Put32(tcp + 4, seq);
            Checksum.Put32(tcp + 8, ack);
            tcp[12] = 5 << 4;
            tcp[13] = flags;
            Checksum.Put16(tcp + 14, 65535);
            Checksum.Put16(tcp + 16, Checksum.Compute(tcp, 20, Checksum.PseudoHeader4(ip, 20, 6)));
        }
        return f;
    }
}
