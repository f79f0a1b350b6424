using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Workers;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>The stage seam without DPDK: mbuf pointers are opaque values here, never dereferenced.</summary>
public unsafe class BurstTests
{
    [Fact]
    public void Compact_keeps_order_and_egress_and_counts_drops_by_reason()
    {
        using var counters = new LcoreCounterSet(1);
        using var burst = new Burst(32);
        burst.Begin(port: 0, queue: 0, count: 6, counters.Get(0));
        for (var i = 0; i < 6; i++)
        {
            burst.Mbufs[i] = 100 + i;
            burst.Egress[i] = (ushort)(i % 2);
        }
        burst.Drop(1, DropReason.PolicyDeny);
        burst.Drop(4, DropReason.Malformed);
        burst.Drop(5, DropReason.PolicyDeny);

        Assert.Equal(3, burst.Compact());
        Assert.Equal(new nint[] { 100, 102, 103 }, burst.Packets.ToArray());
        Assert.Equal(new ushort[] { 0, 0, 1 }, burst.EgressPorts.ToArray());
        Assert.Equal(3, burst.DroppedCount);
        Assert.Equal(new nint[] { 101, 104, 105 }, new Span<nint>(burst.Dropped, 3).ToArray());
        Assert.All(new Span<byte>(burst.Verdicts, 6).ToArray(), v => Assert.Equal(0, v));
        var snapshot = counters.Read(0);
        Assert.Equal(2UL, snapshot.Drops[(int)DropReason.PolicyDeny]);
        Assert.Equal(1UL, snapshot.Drops[(int)DropReason.Malformed]);

        // a second stage drops the rest
        burst.DropAll(DropReason.NoEgress);
        Assert.Equal(0, burst.Count);
        Assert.Equal(6, burst.DroppedCount);
        Assert.Equal(new nint[] { 101, 104, 105, 100, 102, 103 }, new Span<nint>(burst.Dropped, 6).ToArray());
        Assert.Equal(3UL, counters.Read(0).Drops[(int)DropReason.NoEgress]);
        Assert.Equal(6UL, counters.Read(0).DroppedPackets);
    }

    [Fact]
    public void Counter_blocks_do_not_share_cache_lines()
    {
        using var counters = new LcoreCounterSet(3);
        Assert.Equal(LcoreCounters.Stride, sizeof(LcoreCounters));
        Assert.Equal(0, LcoreCounters.Stride % 128);
        Assert.Equal(0, (long)counters.Get(0) % 128);
        Assert.Equal(LcoreCounters.Stride, (long)counters.Get(1) - (long)counters.Get(0));
    }
}
