using PreDnatAppliance.Tests.Shared;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using static PreDnatAppliance.Pipeline.Tests.Parsing.Pkt;

namespace PreDnatAppliance.Pipeline.Tests.Offline;

public sealed class OfflineRunnerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pda-offline-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Valid and broken frames, alternating kinds, so bursts mix kept and dropped packets.</summary>
    private static List<byte[]> MixedFrames(int count)
    {
        var kinds = new Func<int, byte[]>[]
        {
            i => Tcp4("10.0.0.1", "192.0.2.10", (ushort)(1024 + i), 30080),
            i => Udp6("2001:db8::1", "2001:db8::2", (ushort)i, 53),
            i => new byte[i % 14],
            i => Eth(0x88CC, new byte[46]),
            i => Tcp4("10.0.0.1", "192.0.2.10", 1, 2, vlans: new[] { Vlan.Ad(1), Vlan.Q(2), Vlan.Q(3) }),
            i => Eth(0x0806, Arp(1, 2, 3, 0, 4)),
            i => Tcp4("10.0.0.1", "192.0.2.10", 1, 2)[..40],
        };
        return Enumerable.Range(0, count).Select(i => kinds[i % 7 == 0 ? i / 7 % kinds.Length : i % kinds.Length](i)).ToList();
    }

    private string WritePcap(string name, IReadOnlyList<byte[]> frames, long start, long step)
    {
        var path = Path.Combine(_dir, name);
        using var w = PcapWriter.Create(path, PcapPrecision.Nanoseconds);
        for (var i = 0; i < frames.Count; i++)
            w.WritePacket(frames[i], start + i * step);
        return path;
    }

    [Fact]
    public void Every_packet_of_a_pcap_is_reported_once_in_order_kept_or_dropped()
    {
        var frames = MixedFrames(1000);
        var path = WritePcap("mixed.pcap", frames, 1_700_000_000_000_000_000, 1000);
        var expected = new ParseHarness().Run(frames);

        var parse = new ParseStage();
        using var runner = new OfflineRunner(new IBurstStage[] { parse, new RouteAll(7) });
        var results = new List<(long Index, long Tag, DropReason Reason, ushort Egress, int Length, FlowKeyText Flow)>();
        runner.OnPacket = (in OfflinePacketResult r) => results.Add((r.Index, r.Tag, r.Reason, r.Egress, (int)Mbuf.PktLen(r.Mbuf),
            new FlowKeyText(r.Kept ? parse.Parsed.Flow[r.Position].ToString() : "")));
        var totals = runner.RunPcap(path, rxPort: 2);

        Assert.Equal(frames.Count, results.Count);
        for (var i = 0; i < frames.Count; i++)
        {
            var r = results[i];
            Assert.Equal(i, r.Index);
            Assert.Equal(1_700_000_000_000_000_000 + i * 1000L, r.Tag);
            Assert.Equal(frames[i].Length, r.Length);
            Assert.Equal(expected[i].Reason, r.Reason);
            Assert.Equal(r.Reason == DropReason.None ? (ushort)7 : Burst.NoPort, r.Egress);
            if (expected[i].Kept)
                Assert.Equal(expected[i].Row.Flow.ToString(), r.Flow.Text);
        }

        Assert.Equal(1000, totals.Packets);
        Assert.Equal(expected.Count(e => e.Kept), totals.Kept);
        Assert.Equal(totals.Dropped, totals.Drops.Sum());
        foreach (var group in expected.Where(e => !e.Kept).GroupBy(e => e.Reason))
            Assert.Equal(group.Count(), totals.DropsOf(group.Key));
        Assert.Contains("truncated-ethernet", totals.DropsByReason.Keys);

        var counters = runner.ReadCounters();
        Assert.Equal(1000UL, counters.RxPackets);
        Assert.Equal((ulong)totals.Kept, counters.TxPackets);
        Assert.Equal(0, counters.Unaccounted);
        Assert.Equal(0, runner.Pool.InUse);
        Assert.Equal(1000, runner.Totals.Packets);
    }

    private readonly record struct FlowKeyText(string Text);

    [Fact]
    public void Several_pcaps_are_merged_by_time_and_bursts_never_mix_ports()
    {
        var a = WritePcap("a.pcap", Enumerable.Range(0, 50).Select(i => Udp4("10.0.0.1", "10.0.0.2", (ushort)i, 1)).ToList(), 1000, 10);
        var b = WritePcap("b.pcap", Enumerable.Range(0, 30).Select(i => Udp4("10.0.0.3", "10.0.0.4", (ushort)i, 2)).ToList(), 1005, 20);
        var recorder = new BurstRecorder();
        using var runner = new OfflineRunner(new IBurstStage[] { new ParseStage(), recorder });
        var order = new List<(long Tag, ushort Port)>();
        runner.OnPacket = (in OfflinePacketResult r) => order.Add((r.Tag, r.RxPort));
        var totals = runner.RunPcaps(new[] { new OfflineInput(a, 0), new OfflineInput(b, 1) });

        Assert.Equal(80, totals.Packets);
        Assert.Equal(80, totals.Kept);
        Assert.Equal(order.Select(o => o.Tag).OrderBy(t => t), order.Select(o => o.Tag)); // non-decreasing time
        Assert.Equal(50, order.Count(o => o.Port == 0));
        Assert.All(recorder.Bursts, burst => Assert.Single(burst.Ports.Distinct()));
        Assert.All(recorder.Bursts, burst => Assert.Equal(burst.RxPort, burst.Ports[0]));
    }

    [Fact]
    public void Bursts_hold_at_most_the_burst_size()
    {
        var recorder = new BurstRecorder();
        using var runner = new OfflineRunner(new IBurstStage[] { recorder }, burstSize: 8);
        for (var i = 0; i < 30; i++)
            runner.Push(new byte[60], 3);
        Assert.Equal(30 - 3 * 8, runner.Pending);
        runner.Flush();
        Assert.Equal(new[] { 8, 8, 8, 6 }, recorder.Bursts.Select(b => b.Ports.Length));
        Assert.Equal(30, runner.Totals.Kept);
    }

    [Fact]
    public void A_stage_that_loses_or_duplicates_packets_is_caught()
    {
        using (var runner = new OfflineRunner(new IBurstStage[] { new LoseOne() }))
        {
            runner.Push(new byte[60], 0);
            runner.Push(new byte[60], 0);
            Assert.Contains("ended with", Assert.Throws<InvalidOperationException>(runner.Flush).Message);
        }
        using (var runner = new OfflineRunner(new IBurstStage[] { new Duplicate() }))
        {
            runner.Push(new byte[60], 0);
            runner.Push(new byte[60], 0);
            Assert.Contains("twice", Assert.Throws<InvalidOperationException>(runner.Flush).Message);
        }
    }

    [Fact]
    public void A_pipeline_factory_builds_offline_stages_from_named_ports()
    {
        var ports = new[] { new OfflinePort("eth0", PortRole.HostEndpoint), new OfflinePort("eth1", PortRole.WorkloadEndpoint) };
        var context = OfflineRunner.CreateContext(ports);
        Assert.Equal((ushort)1, context.Port("eth1").PortId);
        Assert.Equal(PortRole.HostEndpoint, context.Port("eth0").Role);

        var factory = ForwardStage.Factory(new[] { new ForwardRule { From = "eth0", To = "eth1" } });
        using var runner = OfflineRunner.FromFactory(ctx => new IBurstStage[] { new ParseStage() }.Concat(factory(ctx)).ToList(), ports);
        var egress = new List<(ushort Port, DropReason Reason, ushort Egress)>();
        runner.OnPacket = (in OfflinePacketResult r) => egress.Add((r.RxPort, r.Reason, r.Egress));
        runner.Push(Tcp4("10.0.0.1", "10.0.0.2", 1, 2), 0);
        runner.Push(new byte[3], 0);
        runner.Push(Tcp4("10.0.0.1", "10.0.0.2", 1, 2), 1);
        runner.Flush();
        Assert.Equal(new[]
        {
            ((ushort)0, DropReason.None, (ushort)1),
            ((ushort)0, DropReason.TruncatedEthernet, Burst.NoPort),
            ((ushort)1, DropReason.NoEgress, Burst.NoPort),
        }, egress);
    }

    [Fact]
    public void Pushing_and_parsing_allocates_nothing_per_packet()
    {
        var frames = FrameFuzzer.BuildSeeds().Concat(MixedFrames(64)).ToArray();
        foreach (var boundsChecked in new[] { false, true })
        {
            using var runner = new OfflineRunner(new IBurstStage[] { new ParseStage(boundsChecked) });
            long kept = 0;
            runner.OnPacket = (in OfflinePacketResult r) => kept += r.Kept ? 1 : 0;
            void Run(int rounds)
            {
                for (var round = 0; round < rounds; round++)
                    foreach (var f in frames)
                        runner.Push(f, 0);
                runner.Flush();
            }
            Run(50); // warm-up: tiering, statics
            var allocated = Allocations.Settled(() => Run(200));
            Assert.True(allocated == 0, $"bounds checked {boundsChecked}: {allocated} bytes allocated for {200 * frames.Length} packets");
            Assert.True(kept > 0);
        }
    }

    private sealed class RouteAll(ushort port) : IBurstStage
    {
        public string Name => "route";
        public void Process(Burst burst) => burst.RouteAll(port);
    }

    private sealed unsafe class BurstRecorder : IBurstStage
    {
        public List<(ushort RxPort, ushort[] Ports)> Bursts { get; } = new();
        public string Name => "recorder";

        public void Process(Burst burst)
        {
            var ports = new ushort[burst.Count];
            for (var i = 0; i < burst.Count; i++)
                ports[i] = Mbuf.Port(burst.Mbufs[i]);
            Bursts.Add((burst.RxPort, ports));
        }
    }

    private sealed class LoseOne : IBurstStage
    {
        public string Name => "lose";
        public void Process(Burst burst) => burst.Count--;
    }

    private sealed unsafe class Duplicate : IBurstStage
    {
        public string Name => "duplicate";
        public void Process(Burst burst) => burst.Mbufs[1] = burst.Mbufs[0];
    }
}
