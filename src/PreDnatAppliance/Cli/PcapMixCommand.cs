using System.Buffers.Binary;
using System.Globalization;

namespace PreDnatAppliance.Cli;

/// <summary>
/// <c>prednat dataplane-pcap --out FILE [--packets N] [--flows N] [--seed N] [--mix imix|allowed-tcp]</c>: writes a
/// realistic traffic mix for benchmarks (bench/dataplane/run replays it with net_pcap <c>infinite_rx=1</c>):
/// NodePort traffic from many clients, IMIX sizes (7:4:1 of 64/594/1518-byte frames), 80% UDP / 20% TCP, 10% IPv6.
/// With --mix allowed-tcp every flow is IPv4 TCP (mid-stream ACKs) to the node's NodePort 30080: traffic the example
/// policy allows and conntrack picks up, so that the policy benchmarks measure established flows, not drops.
/// </summary>
public static class PcapMixCommand
{
    public static int Run(string[] args, TextWriter output)
    {
        var line = CommandLine.Parse(args, new[] { "out", "packets", "flows", "seed", "mix" });
        var path = line.Get("out") ?? throw new UsageException("dataplane-pcap: --out FILE is required");
        var packets = Int(line, "packets", 65536);
        var flows = Int(line, "flows", 4096);
        var rng = new Random(Int(line, "seed", 1));
        var allowedTcp = line.Get("mix") switch
        {
            null or "imix" => false,
            "allowed-tcp" => true,
            var other => throw new UsageException($"dataplane-pcap: --mix {other}: imix (default) or allowed-tcp"),
        };

        using var f = File.Create(path);
        var header = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(header, 0xa1b2c3d4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 65535);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(20), 1);
        f.Write(header);
        long bytes = 0;
        var record = new byte[16];
        for (var i = 0; i < packets; i++)
        {
            var flow = rng.Next(flows);
            var pick = rng.Next(12);
            var frame = pick < 7 ? 60 : pick < 11 ? 590 : 1514; // without the 4-byte FCS
            var v6 = !allowedTcp && flow % 10 == 9;
            var tcp = allowedTcp || flow % 5 == 4;
            var p = Build(frame, flow, v6, tcp, rng);
            BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(1_700_000_000 + i / 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), (uint)(i % 1_000_000));
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(8), (uint)p.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(12), (uint)p.Length);
            f.Write(record);
            f.Write(p);
            bytes += p.Length;
        }
        output.WriteLine(FormattableString.Invariant($"wrote {path}: {packets} packets, {flows} flows, {bytes} bytes, mean {bytes / (double)packets:0.0} bytes"));
        return 0;
    }

    private static byte[] Build(int size, int flow, bool v6, bool tcp, Random rng)
    {
        var l3 = v6 ? 40 : 20;
        var l4 = tcp ? 20 : 8;
        size = Math.Max(size, 14 + l3 + l4);
        var p = new byte[size];
        new byte[] { 0x02, 0, 0, 0, 0, 0x01, 0x02, 0, 0, 0, 0, 0x02 }.CopyTo(p, 0);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(12), v6 ? (ushort)0x86dd : (ushort)0x0800);
        var ip = p.AsSpan(14);
        var proto = tcp ? (byte)6 : (byte)17;
        if (v6)
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(size - 14 - 40));
            ip[6] = proto;
            ip[7] = 64;
            new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }.CopyTo(ip[8..]);
            BinaryPrimitives.WriteUInt16BigEndian(ip[22..], (ushort)flow);
            new byte[] { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x0a }.CopyTo(ip[24..]);
        }
        else
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(size - 14));
            ip[8] = 64;
            ip[9] = proto;
            new byte[] { 198, 51, (byte)(flow >> 8), (byte)flow }.CopyTo(ip[12..]);
            new byte[] { 192, 0, 2, 10 }.CopyTo(ip[16..]);
            uint sum = 0;
            for (var i = 0; i < 20; i += 2)
                sum += BinaryPrimitives.ReadUInt16BigEndian(ip[i..]);
            while (sum >> 16 != 0)
                sum = (sum & 0xffff) + (sum >> 16);
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~sum);
        }
        var l4s = ip[l3..];
        BinaryPrimitives.WriteUInt16BigEndian(l4s, (ushort)(1024 + flow % 60000));
        BinaryPrimitives.WriteUInt16BigEndian(l4s[2..], 30080);
        if (tcp)
        {
            l4s[12] = 0x50;
            l4s[13] = 0x10; // ACK: established
            BinaryPrimitives.WriteUInt16BigEndian(l4s[14..], 65535);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(l4s[4..], (ushort)(size - 14 - l3));
        }
        rng.NextBytes(p.AsSpan(14 + l3 + l4));
        return p;
    }

    private static int Int(CommandLine line, string name, int fallback) =>
        line.Get(name) is { } v ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new UsageException($"--{name}: '{v}' is not a positive integer") : fallback;
}
