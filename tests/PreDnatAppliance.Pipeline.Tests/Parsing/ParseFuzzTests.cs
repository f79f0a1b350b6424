using System.Diagnostics;
using System.Globalization;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Parsing;
using Xunit.Abstractions;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>
/// Fuzzing the parse stage through the offline runner. Every frame goes through two pipelines side by side:
/// the bounds-checked parser (every read asserts it lies inside the frame: a missing length test throws) over
/// ordinary offline mbufs, and the unchecked Release parser over mbufs whose data ends at a guard page (a read
/// past the frame faults). Both must agree on every frame, every frame must come back exactly once, kept or
/// dropped with a parse reason, and the counters must add up.
///
/// 300,000 frames by default; PREDNAT_TEST_LONG=1 runs 10,000,000. PREDNAT_FUZZ_SEED=N picks the seed
/// (default fixed, so runs are reproducible); a failure names the seed and frame index.
/// </summary>
public class ParseFuzzTests(ITestOutputHelper output)
{
    private const ulong DefaultSeed = 20251122;

    private static bool Long => FuzzSettings.Long;

    private static ulong Seed => FuzzSettings.Seed(DefaultSeed);

    [Fact]
    public void Seeds_are_valid_frames_the_parser_keeps()
    {
        using var h = new ParseHarness();
        var outcomes = h.Run(FrameFuzzer.BuildSeeds());
        Assert.All(outcomes, o => Assert.True(o.Kept, DropReasons.Name(o.Reason)));
    }

    [Fact]
    public void Fuzzed_frames_are_all_accounted_for_and_checked_and_guarded_parsers_agree()
    {
        var frames = Long ? 10_000_000L : 300_000L;
        var seed = Seed;
        var result = Fuzz(seed, frames);

        output.WriteLine($"seed {seed}: {frames:N0} frames in {result.Elapsed.TotalSeconds:0.00} s; {result.Totals}");
        Assert.Equal(frames, result.Totals.Packets);
        Assert.Equal(frames, result.Totals.Kept + result.Totals.Dropped);
        Assert.Equal(result.Totals.Dropped, result.Totals.Drops.Sum());
        for (var v = 0; v < DropReasons.Count; v++)
            if (result.Totals.Drops[v] != 0)
                Assert.InRange(v, 16, 39); // only parse reasons

        // The counters the data path would report agree: rx = tx (kept) + drops, per reason.
        var counters = result.Counters;
        Assert.Equal((ulong)frames, counters.RxPackets);
        Assert.Equal((ulong)result.Totals.Kept, counters.TxPackets);
        Assert.Equal(0, counters.Unaccounted);
        for (var v = 0; v < DropReasons.Count; v++)
            Assert.Equal((ulong)result.Totals.Drops[v], counters.Drops[v]);

        // The mix reaches deep: most reasons occur, and a fair share of frames is kept.
        var reasonsSeen = result.Totals.Drops.Count(d => d > 0);
        Assert.True(reasonsSeen >= 22, $"only {reasonsSeen} drop reasons seen: {result.Totals}");
        Assert.True(result.Totals.Kept > frames / 10, $"only {result.Totals.Kept} frames kept");
        Assert.True(result.Totals.Kept < frames * 9 / 10, $"{result.Totals.Kept} frames kept: the mutations are too gentle");
    }

    public sealed record FuzzResult(OfflineTotals Totals, Dataplane.Workers.CounterSnapshot Counters, TimeSpan Elapsed);

    /// <summary>Frames 0 .. count-1 of <paramref name="seed"/> through the checked and the guarded unchecked pipelines.</summary>
    public static FuzzResult Fuzz(ulong seed, long count)
    {
        var fuzzer = new FrameFuzzer(seed);
        var checkedStage = new ParseStage(boundsChecked: true);
        var releaseStage = new ParseStage(boundsChecked: false);
        using var checkedRunner = new OfflineRunner(new IBurstStage[] { checkedStage });
        using var releaseRunner = new OfflineRunner(new IBurstStage[] { releaseStage }, guardPages: true);

        var ring = new (DropReason Reason, ParsedPacket Row)[Burst.MaxCapacity];
        long expectedChecked = 0, expectedRelease = 0;
        string? failure = null;
        checkedRunner.OnPacket = (in OfflinePacketResult r) =>
        {
            if (r.Index != expectedChecked++)
                failure ??= $"frame {r.Index} reported out of order (expected {expectedChecked - 1})";
            var row = r.Kept ? checkedStage.Parsed.Row(r.Position) : default;
            if (r.Kept)
                failure ??= Invariants(row, (int)Mbuf.PktLen(r.Mbuf), r.Index);
            else if ((int)r.Reason is < 16 or > 39)
                failure ??= $"frame {r.Index}: dropped with a non-parse reason {DropReasons.Name(r.Reason)}";
            ring[r.Index % ring.Length] = (r.Reason, row);
        };
        releaseRunner.OnPacket = (in OfflinePacketResult r) =>
        {
            if (r.Index != expectedRelease++)
                failure ??= $"release: frame {r.Index} reported out of order";
            var expected = ring[r.Index % ring.Length];
            var row = r.Kept ? releaseStage.Parsed.Row(r.Position) : default;
            if (expected.Reason != r.Reason || expected.Row != row)
                failure ??= $"frame {r.Index}: checked parser {DropReasons.Name(expected.Reason)} {expected.Row}, release parser {DropReasons.Name(r.Reason)} {row}";
        };

        var buffer = new byte[FrameFuzzer.MaxFrame];
        var clock = Stopwatch.StartNew();
        long i = 0;
        try
        {
            for (; i < count && failure is null; i++)
            {
                var length = fuzzer.Frame(i, buffer);
                checkedRunner.Push(buffer.AsSpan(0, length), 0);
                releaseRunner.Push(buffer.AsSpan(0, length), 0);
            }
            checkedRunner.Flush();
            releaseRunner.Flush();
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"seed {seed}: exception in the burst ending at frame {i}: {Culprit(fuzzer, i, e)}", e);
        }
        if (failure is not null)
            throw new Xunit.Sdk.XunitException($"seed {seed}: {failure}; frame bytes: {Hex(fuzzer, ParseIndex(failure))}");
        Assert.Equal(count, expectedChecked);
        Assert.Equal(count, expectedRelease);
        Assert.Equal(checkedRunner.Totals.ToString(), releaseRunner.Totals.ToString());
        return new FuzzResult(checkedRunner.Totals, checkedRunner.ReadCounters(), clock.Elapsed);
    }

    /// <summary>Facts every kept packet satisfies, whatever its bytes.</summary>
    private static string? Invariants(ParsedPacket p, int frameLength, long index)
    {
        string? Fail(string what) => $"frame {index}: {what}: {p} L3 {p.L3Offset}+{p.L3Length} L4 {p.L4Offset} in {frameLength} bytes";
        if (p.L3Offset is not (14 or 18 or 22))
            return Fail("L3 offset");
        var l3End = p.L3Offset + p.L3Length;
        if (l3End > frameLength)
            return Fail("L3 beyond the frame");
        var later = (p.Flags & PacketFlags.LaterFragment) != 0;
        switch (p.EtherType)
        {
            case 0x0806:
                if (p.Flags != (p.Flags & (PacketFlags.Arp | PacketFlags.Vlan | PacketFlags.QinQ)) || p.IpVersion != 0 || p.L3Length != 28 || p.L4Offset != 0)
                    return Fail("ARP");
                return null;
            case 0x0800 when p.IpVersion == 4 && p.L3Length >= 20:
            case 0x86DD when p.IpVersion == 6 && p.L3Length >= 40:
                break;
            default:
                return Fail("EtherType and IP version");
        }
        if (later)
            return p.L4Offset == 0 && p.SrcPort == 0 && p.DstPort == 0 && p.TcpFlags == 0 && (p.Flags & PacketFlags.IcmpError) == 0
                ? null
                : Fail("a later fragment with L4 fields");
        if (p.L4Offset < p.L3Offset + (p.IpVersion == 4 ? 20 : 40) || p.L4Offset > l3End)
            return Fail("L4 offset");
        var l4Room = l3End - p.L4Offset;
        var minimum = p.Protocol switch
        {
            6 => 20,
            17 => 8,
            132 => 12,
            1 when p.IpVersion == 4 => 8,
            58 when p.IpVersion == 6 => 8,
            _ => 0,
        };
        if (l4Room < minimum)
            return Fail("L4 header beyond the L3 packet");
        if ((p.Flags & PacketFlags.IcmpError) != 0)
        {
            if (p.EmbeddedL3Offset != p.L4Offset + 8 || p.EmbeddedFlow.IpVersion != p.IpVersion)
                return Fail("ICMP error embedding");
            if (p.EmbeddedL4Offset != 0 && (p.EmbeddedL4Offset <= p.EmbeddedL3Offset || p.EmbeddedL4Offset > l3End))
                return Fail("embedded L4 offset");
        }
        else if (p.EmbeddedL3Offset != 0 || p.EmbeddedFlow != default)
            return Fail("embedded fields without an ICMP error");
        return null;
    }

    private static long ParseIndex(string failure)
    {
        var at = failure.IndexOf("frame ", StringComparison.Ordinal);
        if (at < 0)
            return -1;
        var digits = new string(failure.Skip(at + 6).TakeWhile(char.IsDigit).ToArray());
        return long.TryParse(digits, CultureInfo.InvariantCulture, out var i) ? i : -1;
    }

    private static string Hex(FrameFuzzer fuzzer, long index)
    {
        if (index < 0)
            return "?";
        var buffer = new byte[FrameFuzzer.MaxFrame];
        var length = fuzzer.Frame(index, buffer);
        return $"#{index} ({length} bytes) {Convert.ToHexString(buffer, 0, Math.Min(length, 512))}";
    }

    /// <summary>After an exception in a burst: parse the burst's frames one by one to find the frame that caused it.</summary>
    private static string Culprit(FrameFuzzer fuzzer, long end, Exception e)
    {
        var buffer = new byte[FrameFuzzer.MaxFrame];
        for (var i = Math.Max(0, end - Burst.MaxCapacity); i <= end; i++)
        {
            var length = fuzzer.Frame(i, buffer);
            try
            {
                ParseHarness.Parse(buffer[..length], boundsChecked: true);
            }
            catch (Exception)
            {
                return $"{e.GetType().Name} {e.Message}; {Hex(fuzzer, i)}";
            }
        }
        return e.Message;
    }
}
