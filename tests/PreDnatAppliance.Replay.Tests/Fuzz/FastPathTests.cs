using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Stages;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using PreDnatAppliance.TestSupport;
using Xunit.Abstractions;

namespace PreDnatAppliance.Replay.Tests.Fuzz;

/// <summary>
/// The established-flow fast path (<see cref="ForwardingCache"/>) against the full stages: the whole-pipeline fuzz
/// corpus (NodePort flows to the local and the remote backend with their ACKs and replies, reverse NAT, ARP learning,
/// ICMP errors, TTL 1, byte flips, malformed frames) through one worker with the fast path and one without. Every
/// frame must come out the same — kept or dropped with the same reason, the same egress port and outcome, the same
/// bytes — and the stage verdict and rule counters must be equal, while the fast path really forwarded a share of the
/// packets.
/// </summary>
public class FastPathTests(ITestOutputHelper output)
{
    private const ulong Seed = 20261122;

    private sealed record Outcome(long Index, DropReason Reason, ushort Egress, PacketOutcome Kind, byte[] Bytes)
    {
        public override string ToString() => $"#{Index} {DropReasons.Name(Reason)} egress {Egress} {Kind} {Convert.ToHexString(Bytes)}";
    }

    /// <summary>Writes frame <paramref name="index"/> of a stream into <paramref name="buffer"/>; returns its length and ingress port index.</summary>
    private delegate int FrameSource(long index, Span<byte> buffer, out int port);

    [Fact]
    public void The_fast_path_changes_no_byte_verdict_or_counter()
    {
        var frames = FuzzSettings.Long ? 200_000 : 20_000;
        var corpus = new PipelineFuzzCorpus(Seed);
        var (fastHits, _) = Compare(frames, corpus.Frame);
        // About 1.4% of this corpus (seed fixed): established packets after the first of their flow direction, in bursts of up to 16.
        Assert.True(fastHits > frames / 200, $"the fast path forwarded only {fastHits} packets");
    }

    /// <summary>
    /// The established prefix (<see cref="EstablishedPrefix"/>) on what it is for — bursts of 32 mostly established
    /// NodePort ACKs — and on what must stop it: FIN, RST and SYN of the same flows, TTL 1, flipped bytes, UDP, backend
    /// replies on the pods port, IP options, VLAN tags. Every frame must come out as the stages alone would leave it.
    /// </summary>
    [Fact]
    public void The_established_prefix_changes_no_byte_verdict_or_counter()
    {
        var frames = FuzzSettings.Long ? 400_000 : 40_000;
        var stream = new EstablishedStream(Seed);
        var (fastHits, prefixHits) = Compare(frames, stream.Frame);
        Assert.True(prefixHits > frames / 4, $"the established prefix forwarded only {prefixHits} of {frames} packets");
        Assert.True(fastHits > prefixHits, "the stages' fast path forwarded nothing after a prefix ended");
    }

    private (long FastHits, long PrefixHits) Compare(int frames, FrameSource source)
    {
        var (slow, slowHits, _, slowCounters) = Run(frames, source, fastPath: false, trace: true);
        var (fast, fastHits, prefixHits, fastCounters) = Run(frames, source, fastPath: true, trace: true);
        // Without a trace the prefix counts per burst rather than per packet: the same totals, and the same packets out.
        var (untraced, _, _, untracedCounters) = Run(frames, source, fastPath: true, trace: false);
        Assert.Equal(slowCounters, untracedCounters);
        for (var i = 0; i < slow.Count; i++)
            Assert.True((slow[i] with { Kind = PacketOutcome.None }).ToString() == untraced[i].ToString(),
                $"frame {i} without a trace:\n  stages:    {slow[i]}\n  fast path: {untraced[i]}");
        output.WriteLine($"{frames:N0} frames: fast path forwarded {fastHits:N0} ({prefixHits:N0} before parsing), {slow.Count(o => o.Reason == DropReason.None):N0} kept in all");
        output.WriteLine(string.Join(", ", slow.GroupBy(o => o.Reason).Select(g => $"{DropReasons.Name(g.Key)} {g.Count()}")));
        Assert.Equal(slow.Count, fast.Count);
        for (var i = 0; i < slow.Count; i++)
            Assert.True(slow[i].ToString() == fast[i].ToString(), $"frame {i}:\n  stages:    {slow[i]}\n  fast path: {fast[i]}");
        Assert.Equal(slowCounters, fastCounters);
        Assert.Equal(0, slowHits);
        return (fastHits, prefixHits);
    }

    private static (List<Outcome> Outcomes, long Hits, long PrefixHits, string Counters) Run(int frames, FrameSource source, bool fastPath, bool trace)
    {
        using var harness = new PipelineFuzzHarness(guardPages: false, fastPath: fastPath, trace: trace);
        var outcomes = new List<Outcome>(frames);
        var packetTrace = harness.Worker.Trace;
        harness.ObservePacket = (in OfflinePacketResult r) =>
        {
            var bytes = Array.Empty<byte>();
            var kind = PacketOutcome.None;
            if (r.Kept)
            {
                bytes = new byte[PipelineFuzzCorpus.MaxFrame + 64];
                bytes = bytes.AsSpan(0, OfflineMbufPool.CopyOut(r.Mbuf, bytes)).ToArray();
                kind = packetTrace is null ? PacketOutcome.None : packetTrace.Outcome[packetTrace.OriginOf(r.Mbuf)];
            }
            outcomes.Add(new Outcome(r.Index, r.Reason, r.Egress, kind, bytes));
        };
        var buffer = new byte[PipelineFuzzCorpus.MaxFrame];
        for (long i = 0; i < frames; i++)
        {
            var length = source(i, buffer, out var port);
            harness.Push(buffer.AsSpan(0, length), port);
        }
        harness.Flush();
        Assert.Null(harness.Failure);
        var counters = harness.Runtime.Counters.ReadTotal();
        var ct = harness.Runtime.Conntrack.Stats;
        var text = string.Join("\n", counters.StageVerdicts.Select(v => $"{v.Stage} {v.Verdict} {v.Packets}"))
                   + "\n" + string.Join("\n", counters.RuleHits.Select(r => $"{r.Stage} {r.RuleId} {r.Hits}"))
                   + $"\npunted {counters.PuntedToKernel}, rejects {counters.IcmpRejectsSent} sent {counters.IcmpRejectsSuppressed} suppressed"
                   + $"\nconntrack lookups {ct.Lookups} established {ct.Established} related {ct.Related} new {ct.New} invalid {ct.Invalid} re-evaluate {ct.ReEvaluate} inserted {ct.Inserted} closed {ct.Closed} expired {ct.Expired}";
        return (outcomes, harness.Worker.Forwarding.Hits, harness.Worker.Forwarding.PrefixHits, text);
    }
}
