using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>
/// A pcap goes in through DPDK (net_pcap), through the poll loop and the forwarding stage, and out through
/// DPDK (net_pcap): the output file holds exactly the packets and bytes the pipeline decided to forward,
/// in order; everything else is counted as dropped with its reason; every mbuf is back in the pool.
/// </summary>
public class PcapEndToEndTests
{
    [Fact]
    public void Pcap_in_pcap_out_exactly_what_the_pipeline_decided()
    {
        using var dir = new TestDirectory("pcap");
        var forwarded = Pcap.Mix(300, seed: 1, srcHost: 1);
        var unrouted = Pcap.Mix(77, seed: 2, srcHost: 2);
        Pcap.Write(dir.File("in.pcap"), forwarded);
        Pcap.Write(dir.File("side.pcap"), unrouted);

        var options = DataplaneProcess.TestOptions(
            new PortOptions { Name = "eth0", Vdev = $"net_pcap0,rx_pcap={dir.File("in.pcap")}" },
            new PortOptions { Name = "eth1", Vdev = $"net_pcap1,tx_pcap={dir.File("out.pcap")}" },
            // A port the forwarding map does not route: its packets must be dropped and counted, not sent.
            new PortOptions { Name = "eth2", Vdev = $"net_pcap2,rx_pcap={dir.File("side.pcap")},tx_pcap={dir.File("side-out.pcap")}" });
        options.Forwarding.Add(new ForwardRule { From = "eth0", To = "eth1" });

        // The input is consumed when every packet of both files was received and accounted for.
        using var dp = new DataplaneProcess(options, dir, "--stop-after-rx", "377", "--duration", "60");
        var report = dp.WaitForReport(TimeSpan.FromSeconds(90));

        var t = report.Total;
        Assert.Equal(377UL, t.RxPackets);
        Assert.Equal(300UL, t.TxPackets);
        Assert.Equal(77UL, t.Drops[(int)DropReason.NoEgress]);
        Assert.Equal(77UL, t.DroppedPackets);
        Assert.Equal(0, t.Unaccounted);

        var output = Pcap.Read(dir.File("out.pcap"));
        Assert.Equal(forwarded.Count, output.Count);
        Assert.Equal(forwarded.Sum(p => (long)p.Length), output.Sum(p => (long)p.Length));
        for (var i = 0; i < forwarded.Count; i++)
            Assert.True(forwarded[i].AsSpan().SequenceEqual(output[i]), $"packet {i} differs");
        Assert.Empty(Pcap.Read(dir.File("side-out.pcap")));

        // The ports' own counters agree with the loop's.
        var eth1 = report.Ports.Single(p => p.Info.Name == "eth1");
        Assert.Equal(300UL, eth1.Stats.TxPackets);
        Assert.Equal((ulong)forwarded.Sum(p => p.Length), eth1.Stats.TxBytes);
        Assert.Equal(300UL, report.Ports.Single(p => p.Info.Name == "eth0").Stats.RxPackets);

        // mbuf accounting: every mbuf back in the pool once the ports are closed
        Assert.Equal(report.Mempool.Size, report.Mempool.AvailableAfterClose);
        Assert.Equal(0u, report.Mempool.InUseAfterClose);
        Assert.Contains("dataplane: EAL argv: prednat -l 0,1 --main-lcore 0 --no-huge -m 512", dp.Child.Output);
    }
}
