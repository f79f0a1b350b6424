using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Workers;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Parsing;

BenchmarkSwitcher.FromAssembly(typeof(ParseBenchmarks).Assembly).Run(args);

/// <summary>
/// The parse stage over one 32-packet burst of a realistic mix (IPv4 TCP/UDP, IPv6 UDP, 802.1Q, ICMP echo;
/// 64- to 1514-byte frames), already in offline mbufs: ns per burst / 32 = ns per packet. The checked variant
/// shows what the Debug/fuzz bounds assertions cost. <see cref="Replay"/> adds the offline runner's copying
/// and accounting (what <c>replay</c> will pay per packet).
/// </summary>
[MemoryDiagnoser]
public unsafe class ParseBenchmarks
{
    private const int BurstSize = 32;

    private OfflineMbufPool _pool = null!;
    private Burst _burst = null!;
    private LcoreCounterSet _counters = null!;
    private nint[] _mbufs = null!;
    private ParseStage _unchecked = null!;
    private ParseStage _checked = null!;
    private OfflineRunner _runner = null!;
    private byte[][] _frames = null!;

    [GlobalSetup]
    public void Setup()
    {
        _frames = Frames.Mix(BurstSize);
        _pool = new OfflineMbufPool(BurstSize);
        _burst = new Burst(BurstSize);
        _counters = new LcoreCounterSet(1);
        _mbufs = _frames.Select(f => _pool.FromFrame(f, 0)).ToArray();
        _unchecked = new ParseStage(boundsChecked: false);
        _checked = new ParseStage(boundsChecked: true);
        _runner = new OfflineRunner(new IBurstStage[] { new ParseStage(boundsChecked: false) }, BurstSize);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _runner.Dispose();
        _burst.Dispose();
        _counters.Dispose();
        _pool.Dispose();
    }

    private void Load()
    {
        for (var i = 0; i < BurstSize; i++)
            _burst.Mbufs[i] = _mbufs[i];
        OfflineBursts.Begin(_burst, 0, BurstSize, _counters);
    }

    [Benchmark(Baseline = true, Description = "parse 32, unchecked")]
    public int ParseUnchecked()
    {
        Load();
        _unchecked.Process(_burst);
        return _burst.Count;
    }

    [Benchmark(Description = "parse 32, checked reads")]
    public int ParseChecked()
    {
        Load();
        _checked.Process(_burst);
        return _burst.Count;
    }

    [Benchmark(Description = "replay 32 (copy + parse + account)")]
    public long Replay()
    {
        foreach (var f in _frames)
            _runner.Push(f, 0);
        _runner.Flush();
        return _runner.Totals.Kept;
    }
}

/// <summary>The benchmark's traffic: valid frames the parser keeps.</summary>
public static class Frames
{
    public static byte[][] Mix(int count)
    {
        var frames = new byte[count][];
        for (var i = 0; i < count; i++)
        {
            var size = (i % 12) switch { < 7 => 64, < 11 => 594, _ => 1514 } - 4; // IMIX, without FCS
            frames[i] = (i % 5) switch
            {
                0 => V4(size, 6, i, vlan: false),
                1 => V4(size, 17, i, vlan: false),
                2 => V6(size, 17, i),
                3 => V4(size, 6, i, vlan: true),
                _ => V4(size, 1, i, vlan: false),
            };
        }
        return frames;
    }

    private static byte[] V4(int size, byte protocol, int flow, bool vlan)
    {
        var f = new byte[size];
        var o = Ethernet(f, 0x0800, vlan);
        var ip = f.AsSpan(o);
        ip[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)(size - o));
        ip[8] = 64;
        ip[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(ip[12..], 0xC6330000u | (uint)flow);
        BinaryPrimitives.WriteUInt32BigEndian(ip[16..], 0xC000020Au);
        L4(ip[20..], protocol, flow);
        return f;
    }

    private static byte[] V6(int size, byte protocol, int flow)
    {
        var f = new byte[Math.Max(size, 14 + 40 + 20)];
        var ip = f.AsSpan(Ethernet(f, 0x86DD, false));
        ip[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(ip.Length - 40));
        ip[6] = protocol;
        ip[7] = 64;
        BinaryPrimitives.WriteUInt64BigEndian(ip[8..], 0x20010DB800000000UL);
        BinaryPrimitives.WriteUInt64BigEndian(ip[16..], (ulong)flow);
        BinaryPrimitives.WriteUInt64BigEndian(ip[24..], 0x20010DB800010000UL);
        BinaryPrimitives.WriteUInt64BigEndian(ip[32..], 10);
        L4(ip[40..], protocol, flow);
        return f;
    }

    private static int Ethernet(byte[] f, ushort type, bool vlan)
    {
        f[0] = 2;
        f[6] = 2;
        f[11] = 1;
        var o = 12;
        if (vlan)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o + 2), 100);
            o += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), type);
        return o + 2;
    }

    private static void L4(Span<byte> l4, byte protocol, int flow)
    {
        BinaryPrimitives.WriteUInt16BigEndian(l4, (ushort)(10000 + flow));
        BinaryPrimitives.WriteUInt16BigEndian(l4[2..], 30080);
        if (protocol == 6)
        {
            l4[12] = 0x50;
            l4[13] = 0x10;
        }
        else if (protocol == 17)
            BinaryPrimitives.WriteUInt16BigEndian(l4[4..], (ushort)l4.Length);
        else if (protocol == 1)
        {
            l4[0] = 8;
            l4[1] = 0;
        }
    }
}
