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

    [Fact]
    public void The_fast_path_changes_no_byte_verdict_or_counter()
    {
        var frames = FuzzSettings.Long ? 200_000 : 20_000;
        var (slow, slowHits, slowCounters) = Run(frames, fastPath: false);
        var (fast, fastHits, fastCounters) = Run(frames, fastPath: true);
        output.WriteLine($"{frames:N0} fuzz frames: fast path forwarded {fastHits:N0}, {slow.Count(o => o.Reason == DropReason.None):N0} kept in all");
        Assert.Equal(slow.Count, fast.Count);
        for (var i = 0; i < slow.Count; i++)
            Assert.True(slow[i].ToString() == fast[i].ToString(), $"frame {i}:\n  stages:    {slow[i]}\n  fast path: {fast[i]}");
        Assert.Equal(slowCounters, fastCounters);
        Assert.Equal(0, slowHits);
        // About 1.4% of this corpus (seed fixed): established packets after the first of their flow direction, in bursts of up to 16.
        Assert.True(fastHits > frames / 200, $"the fast path forwarded only {fastHits} packets");
    }

    private static (List<Outcome> Outcomes, long Hits, string Counters) Run(int frames, bool fastPath)
    {
        var corpus = new PipelineFuzzCorpus(Seed);
        using var harness = new PipelineFuzzHarness(guardPages: false, fastPath: fastPath);
        var outcomes = new List<Outcome>(frames);
        var trace = harness.Worker.Trace!;
        harness.ObservePacket = (in OfflinePacketResult r) =>
        {
            var bytes = Array.Empty<byte>();
            var kind = PacketOutcome.None;
            if (r.Kept)
            {
                bytes = new byte[PipelineFuzzCorpus.MaxFrame + 64];
                bytes = bytes.AsSpan(0, OfflineMbufPool.CopyOut(r.Mbuf, bytes)).ToArray();
                kind = trace.Outcome[trace.OriginOf(r.Mbuf)];
            }
            outcomes.Add(new Outcome(r.Index, r.Reason, r.Egress, kind, bytes));
        };
        var buffer = new byte[PipelineFuzzCorpus.MaxFrame];
        for (long i = 0; i < frames; i++)
        {
            var length = corpus.Frame(i, buffer, out var port);
            harness.Push(buffer.AsSpan(0, length), port);
        }
        harness.Flush();
        Assert.Null(harness.Failure);
        var counters = harness.Runtime.Counters.ReadTotal();
        var text = string.Join("\n", counters.StageVerdicts.Select(v => $"{v.Stage} {v.Verdict} {v.Packets}"))
                   + "\n" + string.Join("\n", counters.RuleHits.Select(r => $"{r.Stage} {r.RuleId} {r.Hits}"))
                   + $"\npunted {counters.PuntedToKernel}, rejects {counters.IcmpRejectsSent} sent {counters.IcmpRejectsSuppressed} suppressed";
        return (outcomes, harness.Worker.Forwarding.Hits, text);
    }
}
