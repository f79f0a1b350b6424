using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>
/// A real peer: dpdk-testpmd (txonly) sends to the appliance over memif, the appliance forwards to a second
/// memif, and another dpdk-testpmd (rxonly) receives. Three DPDK processes, each with its own file prefix;
/// the appliance is the memif server of both sockets. Counts must match on both sides.
/// </summary>
public class MemifTestPmdTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    [Fact]
    public void Testpmd_txonly_to_appliance_to_testpmd_rxonly_counts_match()
    {
        Assert.True(TestPmd.Available, "dpdk-testpmd is missing: install the Debian package 'dpdk'");
        using var dir = new TestDirectory("memif");
        var sockIn = dir.File("in.sock");
        var sockOut = dir.File("out.sock");
        var options = DataplaneProcess.TestOptions(
            new PortOptions { Name = "eth0", Vdev = $"net_memif0,role=server,id=0,socket={sockIn}" },
            new PortOptions { Name = "eth1", Vdev = $"net_memif1,role=server,id=0,socket={sockOut}" });
        options.Forwarding.Add(new ForwardRule { From = "eth0", To = "eth1" });

        using var app = new DataplaneProcess(options, dir, "--status-ms", "100", "--duration", "120");
        app.WaitUntilRunning();

        // testpmd's forwarding lcore on CPU 0 and the appliance's worker on CPU 1.
        string[] Eal(string sock) => new[] { "-l", "0-1", "--main-lcore", "1", "--no-huge", "-m", "1024", "--no-pci", $"--vdev=net_memif0,role=client,id=0,socket={sock}" };
        using var sink = new TestPmd("testpmd rxonly", Eal(sockOut), new[] { "--forward-mode=rxonly", "--total-num-mbufs=8192" });
        sink.Start();
        app.WaitForStatus(s => s["links"].Contains("eth1:up", StringComparison.Ordinal), Long, "eth1 link up");

        using var source = new TestPmd("testpmd txonly", Eal(sockIn), new[] { "--forward-mode=txonly", "--total-num-mbufs=8192", "--txpkts=64" });
        app.WaitForStatus(s => s["links"].Contains("eth0:up", StringComparison.Ordinal), Long, "eth0 link up");
        source.Start();
        app.WaitForStatus(s => DataplaneProcess.Number(s, "rx") >= 20_000, Long, "20000 packets received");
        source.Stop();
        var sent = source.PortStats().Tx;
        Assert.True(sent >= 20_000, $"testpmd sent only {sent}");

        // Everything testpmd put on the wire arrives and is forwarded or counted as dropped.
        var settled = app.WaitForStatus(
            s => DataplaneProcess.Number(s, "rx") == sent && DataplaneProcess.Number(s, "unaccounted") == 0, Long, $"rx = {sent}");
        var forwarded = DataplaneProcess.Number(settled, "tx");

        // ... and the sink receives exactly what the appliance sent.
        ulong received = 0;
        var deadline = DateTime.UtcNow + Long;
        while (DateTime.UtcNow < deadline && (received = sink.PortStats().Rx) < forwarded)
            Thread.Sleep(200);
        sink.Stop();
        received = sink.PortStats().Rx;

        app.RequestStop();
        var report = app.WaitForReport(Long);
        source.Quit();
        sink.Quit();

        var t = report.Total;
        Assert.Equal(sent, t.RxPackets);
        Assert.Equal(t.RxPackets, t.TxPackets + t.DroppedPackets);
        Assert.Equal(t.DroppedPackets, t.Drops[(int)DropReason.TxFull]); // the only way to lose one here: the sink's ring was full
        Assert.Equal(t.TxPackets, received);
        Assert.Equal(sent, report.Ports.Single(p => p.Info.Name == "eth0").Stats.RxPackets);
        Assert.Equal(t.TxPackets, report.Ports.Single(p => p.Info.Name == "eth1").Stats.TxPackets);
        Assert.Equal(report.Mempool.Size, report.Mempool.AvailableAfterClose);
    }
}
