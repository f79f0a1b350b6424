using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using Xunit.Abstractions;

namespace PreDnatAppliance.Replay.Tests.Fuzz;

/// <summary>
/// Malformed and hostile traffic through the whole appliance pipeline (docs/reliability.md): every frame comes back
/// exactly once as forwarded, punted, rejected, answered or dropped with a named reason; no exception; the parser
/// reads only inside the frame (bounds-checked reads throw otherwise); every mbuf returns to the pool; the counters
/// the data path would export add up. 200,000 frames by default, PREDNAT_TEST_LONG=1: 10,000,000;
/// PREDNAT_FUZZ_SEED=N picks the seed.
/// </summary>
public class PipelineFuzzTests(ITestOutputHelper output)
{
    private const ulong DefaultSeed = 20261122;

    private static bool Long => FuzzSettings.Long;

    private static ulong Seed => FuzzSettings.Seed(DefaultSeed);

    [Fact]
    public void Fuzzed_traffic_through_the_whole_pipeline_is_all_accounted_for()
    {
        var frames = Long ? 10_000_000L : 200_000L;
        var result = PipelineFuzz.Run(Seed, frames, guardPages: false);
        Report("ordinary mbufs", frames, result);
        AssertAccounted(frames, result);

        // The traffic reaches every part of the pipeline, not just the parser.
        var v = result.Verdicts;
        Assert.True(v.Forwarded > frames / 50, $"only {v.Forwarded} forwarded");
        Assert.True(v.Punted > 0 && v.Rejected > 0 && v.ArpReplies > 0 && v.ArpRequests > 0, "punted, rejected, ARP replies and requests all occur");
        foreach (var reason in new[]
                 {
                     DropReason.PreDnatDeny, DropReason.RejectRateLimited, DropReason.ServiceNoLocalEndpoints,
                     DropReason.ConntrackInvalid, DropReason.ArpNotForUs, DropReason.Ipv4BadIhl, DropReason.Ipv6TooManyExtHeaders,
                     DropReason.TcpBadDataOffset, DropReason.TruncatedEthernet, DropReason.TooManyVlans, DropReason.MultiSegment,
                 })
            Assert.True(v.Drops[(int)reason] > 0, $"no {DropReasons.Name(reason)} drop in the run");
    }

    /// <summary>
    /// The same traffic over buffers whose frame ends at a PROT_NONE page: a read past the frame by any stage (not only
    /// the parser) is a segmentation fault, which ends the test host. Answers that need room past the frame (ICMP
    /// unreachable, padded ARP replies) are refused for lack of tailroom and counted as such.
    /// </summary>
    [Fact]
    public void Fuzzed_traffic_over_guard_page_buffers_reads_nothing_past_a_frame()
    {
        var frames = Long ? 2_000_000L : 200_000L;
        var result = PipelineFuzz.Run(Seed + 1, frames, guardPages: true);
        Report("guard-page mbufs", frames, result);
        AssertAccounted(frames, result);
    }

    /// <summary>
    /// The fuzz runs the Release build, yet covers what a Debug build would add, which is exactly two things: the
    /// parse stage's bounds-checked reads by default (<c>#if DEBUG</c> in ParseStage.cs: the fuzz turns them on with
    /// <c>RuntimeOptions.ParseBoundsChecks</c>) and the alignment assertion in ParsedBurst.Compact (checked after every
    /// burst by the harness's last stage). New Debug-only code must be covered here too; this test lists where it is.
    /// </summary>
    [Fact]
    public void Debug_only_code_is_what_the_fuzz_covers_in_release()
    {
        var source = Path.Combine(Infrastructure.Paths.RepositoryRoot, "src");
        var debugOnly = Directory.GetFiles(source, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .SelectMany(f => File.ReadLines(f).Select((line, i) => (File: f, Line: i + 1, Text: line.Trim())))
            .Where(l => l.Text.StartsWith("#if DEBUG", StringComparison.Ordinal) || l.Text.Contains("Debug.Assert(", StringComparison.Ordinal)
                        || l.Text.Contains("[Conditional(\"DEBUG\")]", StringComparison.Ordinal))
            .Select(l => Path.GetRelativePath(source, l.File).Replace('\\', '/'))
            .Distinct().OrderBy(f => f, StringComparer.Ordinal).ToList();
        Assert.Equal(new[] { "PreDnatAppliance.Pipeline/Parsing/ParseStage.cs", "PreDnatAppliance.Pipeline/Parsing/ParsedBurst.cs" }, debugOnly);
    }

    private void Report(string what, long frames, PipelineFuzz.Result result)
    {
        output.WriteLine($"seed {Seed}, {what}: {frames:N0} frames in {result.Elapsed.TotalSeconds:0.00} s " +
                         $"({frames / result.Elapsed.TotalSeconds:N0} frames/s); mbufs {result.PoolAvailable}/{result.PoolCount} back in the pool");
        output.WriteLine(result.Verdicts.Histogram());
    }

    private static void AssertAccounted(long frames, PipelineFuzz.Result result)
    {
        Assert.Null(result.Failure);
        var v = result.Verdicts;
        Assert.Equal(frames, v.Frames);
        Assert.Equal(frames, v.Accounted);
        Assert.Equal(frames, result.Totals.Packets);
        // The runner's own tally and the data path counters agree: rx = kept + Σ drops, per reason.
        Assert.Equal((ulong)frames, result.Counters.RxPackets);
        Assert.Equal(0, result.Counters.Unaccounted);
        Assert.Equal(result.Totals.Kept, v.Kept);
        Assert.Equal((ulong)v.Kept, result.Counters.TxPackets);
        for (var r = 0; r < DropReasons.Count; r++)
        {
            Assert.Equal(result.Totals.Drops[r], v.Drops[r]);
            Assert.Equal((ulong)v.Drops[r], result.Counters.Drops[r]);
        }
        Assert.Equal(result.PoolCount, result.PoolAvailable);
    }
}
