using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>The poll loop under load from DPDK's null and ring devices.</summary>
public class LoopTests
{
    /// <summary>
    /// net_null produces packets as fast as the loop takes them; the worker measures the managed bytes it
    /// allocates in its loop (GC.GetAllocatedBytesForCurrentThread) after the first round that received packets,
    /// whose first-call work the runtime sometimes pays for with an allocation, and must report zero.
    /// </summary>
    [Fact]
    public void Zero_managed_allocation_across_two_million_packets()
    {
        using var dir = new TestDirectory("alloc");
        var options = DataplaneProcess.TestOptions(
            new PortOptions { Name = "src0", Vdev = "net_null0,size=64" },
            new PortOptions { Name = "sink0", Vdev = "net_null1,no-rx=1" });
        options.Forwarding.Add(new ForwardRule { From = "src0", To = "sink0" });

        using var dp = new DataplaneProcess(options, dir, "--stop-after-rx", "2000000", "--duration", "60");
        var report = dp.WaitForReport(TimeSpan.FromSeconds(90));

        var worker = Assert.Single(report.Workers);
        Assert.Null(worker.Failure);
        Assert.True(worker.Counters.RxPackets >= 1_000_000, $"only {worker.Counters.RxPackets} packets");
        Assert.Equal(0UL, worker.Counters.AllocatedBytes);
        Assert.Equal(0, report.Total.Unaccounted);
        Assert.Equal(report.Mempool.Size, report.Mempool.AvailableAfterClose);
    }

    /// <summary>
    /// Traffic through every path of the loop: a null source forwarded into a ring (TX), the ring polled
    /// back (RX on a second port) and dropped for want of a route, a burst size that does not divide the
    /// ring. Afterwards RX = TX + drops exactly, and every mbuf is back in the pool.
    /// </summary>
    [Fact]
    public void Every_mbuf_returns_to_the_pool_and_every_packet_is_accounted_for()
    {
        using var dir = new TestDirectory("mbufs");
        var options = DataplaneProcess.TestOptions(
            new PortOptions { Name = "src0", Vdev = "net_null0,size=128" },
            new PortOptions { Name = "loop0", Vdev = "net_ring0", TxDescriptors = 256, RxDescriptors = 256 },
            new PortOptions { Name = "sink0", Vdev = "net_null1,no-rx=1" });
        options.Mempool.Size = 8191;
        options.BurstSize = 24;
        options.TxRetries = 0;
        options.Forwarding.Add(new ForwardRule { From = "src0", To = "loop0" });

        using var dp = new DataplaneProcess(options, dir, "--status-ms", "100");
        dp.WaitUntilRunning();
        dp.WaitForStatus(s => DataplaneProcess.Number(s, "rx") > 500_000, TimeSpan.FromSeconds(30), "500k packets");
        dp.RequestStop();
        var report = dp.WaitForReport(TimeSpan.FromSeconds(30));

        var t = report.Total;
        Assert.Equal(0, t.Unaccounted);
        Assert.Equal(t.RxPackets, t.TxPackets + t.DroppedPackets);
        Assert.True(t.Drops[(int)DropReason.NoEgress] > 0, "the ring's packets have no route and must be dropped");
        var loop0 = report.Ports.Single(p => p.Info.Name == "loop0");
        Assert.Equal(t.TxPackets, loop0.Stats.TxPackets);
        Assert.Equal(0u, report.Mempool.InUseAfterClose);
        Assert.Equal(report.Mempool.Size, report.Mempool.AvailableAfterClose);
        Assert.Contains($"mempool: {report.Mempool.Size} of {report.Mempool.Size} mbufs back after close", dp.Child.Output);
    }
}
