using System.Buffers.Binary;
using PreDnatAppliance.Pipeline.Offline;

namespace PreDnatAppliance.Pipeline.Tests.Offline;

public sealed class PcapTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pda-pcap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static List<byte[]> Frames(int count, int seed)
    {
        var rng = new Random(seed);
        var frames = new List<byte[]> { Array.Empty<byte>(), new byte[1], new byte[9000] };
        while (frames.Count < count)
        {
            var f = new byte[rng.Next(14, 1600)];
            rng.NextBytes(f);
            frames.Add(f);
        }
        return frames;
    }

    private record Record(byte[] Data, uint Seconds, uint Nanoseconds, uint OriginalLength);

    private static List<Record> ReadAll(string path, out PcapReader header)
    {
        var records = new List<Record>();
        using var reader = PcapReader.Open(path);
        header = reader;
        while (reader.TryReadPacket(out var p))
            records.Add(new Record(p.Data.ToArray(), p.Seconds, p.Nanoseconds, p.OriginalLength));
        Assert.Equal(records.Count, reader.PacketsRead);
        return records;
    }

    [Theory]
    [InlineData(PcapPrecision.Microseconds)]
    [InlineData(PcapPrecision.Nanoseconds)]
    public void Write_read_write_gives_identical_bytes(PcapPrecision precision)
    {
        var frames = Frames(200, 7);
        var first = Path.Combine(_dir, "first.pcap");
        using (var w = PcapWriter.Create(first, precision))
            for (var i = 0; i < frames.Count; i++)
                w.WritePacket(frames[i], 1_700_000_000u + (uint)(i / 3), (uint)(i * 123_457 % 1_000_000_000) / 1000 * 1000 + (precision == PcapPrecision.Nanoseconds ? (uint)i % 1000 : 0));

        var records = ReadAll(first, out var header);
        Assert.Equal(precision, header.Precision);
        Assert.Equal(PcapLinkType.Ethernet, header.LinkType);
        Assert.Equal((2, 4), (header.VersionMajor, header.VersionMinor));
        Assert.False(header.BigEndian);
        Assert.Equal(frames.Count, records.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            Assert.Equal(frames[i], records[i].Data);
            Assert.Equal((uint)frames[i].Length, records[i].OriginalLength);
        }

        var second = Path.Combine(_dir, "second.pcap");
        using (var reader = PcapReader.Open(first))
        using (var w = PcapWriter.Create(second, precision))
            while (reader.TryReadPacket(out var p))
                w.WritePacket(in p);
        Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
    }

    [Fact]
    public void Output_is_deterministic_and_little_endian()
    {
        byte[] Write()
        {
            using var ms = new MemoryStream();
            using (var w = new PcapWriter(ms, leaveOpen: true))
            {
                w.WritePacket(new byte[] { 1, 2, 3 }, 10, 5_000);
                w.WritePacket(new byte[] { 4 }, 1_000_000_000_123_456_789L);
            }
            return ms.ToArray();
        }
        var bytes = Write();
        Assert.Equal(Write(), bytes);
        Assert.Equal(24 + 16 + 3 + 16 + 1, bytes.Length);
        Assert.Equal(0xA1B2C3D4u, BinaryPrimitives.ReadUInt32LittleEndian(bytes));
        Assert.Equal(PcapWriter.DefaultSnapLength, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(16)));
        Assert.Equal(1u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(20)));
        Assert.Equal(5u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24 + 4))); // 5000 ns = 5 us
        Assert.Equal(123_456u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(24 + 19 + 4)));
    }

    /// <summary>A file written by hand in the other byte order, with both magics.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Big_endian_files_are_read(bool nanoseconds)
    {
        var path = Path.Combine(_dir, "be.pcap");
        using (var f = File.Create(path))
        {
            var h = new byte[24];
            BinaryPrimitives.WriteUInt32BigEndian(h, nanoseconds ? 0xA1B23C4D : 0xA1B2C3D4);
            BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(4), 2);
            BinaryPrimitives.WriteUInt16BigEndian(h.AsSpan(6), 4);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(16), 65535);
            BinaryPrimitives.WriteUInt32BigEndian(h.AsSpan(20), 1);
            f.Write(h);
            for (var i = 0; i < 3; i++)
            {
                var r = new byte[16];
                BinaryPrimitives.WriteUInt32BigEndian(r, 1_600_000_000u + (uint)i);
                BinaryPrimitives.WriteUInt32BigEndian(r.AsSpan(4), 999u + (uint)i);
                BinaryPrimitives.WriteUInt32BigEndian(r.AsSpan(8), (uint)(10 + i));
                BinaryPrimitives.WriteUInt32BigEndian(r.AsSpan(12), 1500);
                f.Write(r);
                f.Write(Enumerable.Repeat((byte)i, 10 + i).ToArray());
            }
        }
        var records = ReadAll(path, out var header);
        Assert.True(header.BigEndian);
        Assert.Equal(nanoseconds ? PcapPrecision.Nanoseconds : PcapPrecision.Microseconds, header.Precision);
        Assert.Equal(65535u, header.SnapLength);
        Assert.Equal(3, records.Count);
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(Enumerable.Repeat((byte)i, 10 + i), records[i].Data);
            Assert.Equal(1_600_000_000u + (uint)i, records[i].Seconds);
            Assert.Equal(nanoseconds ? 999u + (uint)i : (999u + (uint)i) * 1000, records[i].Nanoseconds);
            Assert.Equal(1500u, records[i].OriginalLength);
        }
    }

    [Fact]
    public void Snap_length_cuts_data_and_keeps_the_original_length()
    {
        using var ms = new MemoryStream();
        using (var w = new PcapWriter(ms, snapLength: 64, leaveOpen: true))
            w.WritePacket(new byte[100], 1, 0);
        ms.Position = 0;
        using var r = new PcapReader(ms);
        Assert.True(r.TryReadPacket(out var p));
        Assert.Equal(64, p.Data.Length);
        Assert.Equal(100u, p.OriginalLength);
    }

    [Fact]
    public void Broken_files_are_named_errors()
    {
        Assert.Contains("not a pcap file", Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(new byte[10]))).Message);
        Assert.Contains("magic", Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(new byte[24]))).Message);
        var ng = new byte[24];
        BinaryPrimitives.WriteUInt32LittleEndian(ng, 0x0A0D0D0A);
        Assert.Contains("pcapng", Assert.Throws<InvalidDataException>(() => new PcapReader(new MemoryStream(ng))).Message);

        byte[] File(int cut)
        {
            using var ms = new MemoryStream();
            using (var w = new PcapWriter(ms, leaveOpen: true))
                w.WritePacket(new byte[50], 1, 0);
            return ms.ToArray()[..cut];
        }
        using (var r = new PcapReader(new MemoryStream(File(24 + 16 + 49))))
            Assert.Contains("ends inside the packet", Assert.Throws<InvalidDataException>(() => r.TryReadPacket(out _)).Message);
        using (var r = new PcapReader(new MemoryStream(File(24 + 7))))
            Assert.Contains("ends inside the record header", Assert.Throws<InvalidDataException>(() => r.TryReadPacket(out _)).Message);
        using (var r = new PcapReader(new MemoryStream(File(24))))
            Assert.False(r.TryReadPacket(out _));

        var huge = File(24 + 16 + 50);
        BinaryPrimitives.WriteUInt32LittleEndian(huge.AsSpan(24 + 8), 0x7FFFFFFF);
        using (var r = new PcapReader(new MemoryStream(huge)))
            Assert.Contains("captured length", Assert.Throws<InvalidDataException>(() => r.TryReadPacket(out _)).Message);
    }

    [Fact]
    public void Tshark_reads_what_the_writer_writes()
    {
        if (!System.IO.File.Exists("/usr/bin/tshark"))
            return; // ./prednat test installs tshark; without it there is nothing to compare with
        var path = Path.Combine(_dir, "tshark.pcap");
        var frames = new[]
        {
            Parsing.Pkt.Tcp4("10.0.0.1", "192.0.2.10", 40000, 30080),
            Parsing.Pkt.Udp6("2001:db8::1", "2001:db8::2", 5000, 53),
        };
        using (var w = PcapWriter.Create(path, PcapPrecision.Nanoseconds))
        {
            w.WritePacket(frames[0], 1_700_000_000, 123_456_789);
            w.WritePacket(frames[1], 1_700_000_001, 1);
        }
        var psi = new System.Diagnostics.ProcessStartInfo("tshark", $"-n -r {path} -T fields -E separator=, -e frame.time_epoch -e frame.len -e tcp.dstport -e udp.dstport")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(psi)!;
        var lines = process.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        process.WaitForExit();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(new[] { "1700000000.123456789,60,30080,", "1700000001.000000001,62,,53" }, lines);
    }
}
