using System.Globalization;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Parsing;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>The machinery that makes "no read past the frame" checkable: the asserting reader and guard pages.</summary>
public unsafe class BoundsCheckTests
{
    [Fact]
    public void Checked_reads_throw_outside_the_frame_and_pass_inside()
    {
        byte* bytes = stackalloc byte[8] { 1, 2, 3, 4, 5, 6, 7, 8 };
        var f = new FrameReader<CheckedReads>(bytes, 6);
        Assert.Equal(0x0506, f.U16(4));
        Assert.Equal(0x03040506u, f.U32(2));
        Assert.Equal(0x010203040506UL, f.U48(0));
        Assert.Equal(6, f.U8(5));

        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 6).U8(6));
        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 6).U16(5));
        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 6).U32(3));
        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 6).U64(0));
        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 6).U48(1));
        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 0).U8(0));
        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 6).U8(-1));
        ReadOutside(() => new FrameReader<CheckedReads>(bytes, 6).U16(int.MaxValue));
    }

    private static void ReadOutside(Func<object> read)
    {
        var e = Assert.Throws<ParserBoundsException>(read);
        Assert.Contains("outside", e.Message);
    }

    [Fact]
    public void Stage_variant_follows_the_constructor_and_the_build_default()
    {
        Assert.True(new ParseStage(boundsChecked: true).BoundsChecked);
        Assert.False(new ParseStage(boundsChecked: false).BoundsChecked);
#if DEBUG
        Assert.True(ParseStage.DefaultBoundsChecked, "Debug builds check every read by default");
#endif
        Assert.Equal(ParseStage.DefaultBoundsChecked, new ParseStage().BoundsChecked);
    }

    [Fact]
    public void Guard_page_pool_ends_every_frame_at_an_inaccessible_page()
    {
        using var pool = new OfflineMbufPool(4, guardPages: true);
        var page = Environment.SystemPageSize;
        foreach (var length in new[] { 0, 1, 60, 1514, 2048 })
        {
            var m = pool.FromFrame(new byte[length], port: 3);
            var end = (long)Mbuf.Data(m) + length;
            Assert.Equal(0, end % page);
            Assert.Equal(length, Mbuf.DataLen(m));
            Assert.True(IsInaccessible(end), $"the page after a {length}-byte frame is accessible");
            pool.Free(m);
        }
    }

    [Fact]
    public void Guarded_pool_frames_parse_like_ordinary_ones()
    {
        var frames = FrameFuzzer.BuildSeeds();
        using var ordinary = new ParseHarness(boundsChecked: false);
        var stage = new ParseStage(boundsChecked: false);
        using var guarded = new OfflineRunner(new IBurstStage[] { stage }, guardPages: true);
        var rows = new List<ParsedPacket>();
        guarded.OnPacket = (in OfflinePacketResult r) => rows.Add(stage.Parsed.Row(r.Position));
        foreach (var f in frames)
            guarded.Push(f, 0);
        guarded.Flush();
        Assert.Equal(ordinary.Run(frames).Select(o => o.Row), rows);
    }

    /// <summary>Whether /proc/self/maps shows the page at <paramref name="address"/> without any access.</summary>
    private static bool IsInaccessible(long address)
    {
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var dash = line.IndexOf('-');
            var space = line.IndexOf(' ');
            var start = long.Parse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            var end = long.Parse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (address >= start && address < end)
                return line.AsSpan(space + 1, 3).SequenceEqual("---");
        }
        return false;
    }
}
