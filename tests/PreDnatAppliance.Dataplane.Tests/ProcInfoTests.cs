using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>
/// dpdk-proc-info attaches to the running appliance as a DPDK secondary process and reads its ports'
/// statistics. Secondary processes need the primary's hugepage files, so this test runs the appliance on
/// real (temporarily reserved) hugepages instead of --no-huge.
/// </summary>
public class ProcInfoTests
{
    [Fact]
    public void Dpdk_proc_info_reads_the_running_appliance_as_a_secondary_process()
    {
        Assert.True(File.Exists("/usr/bin/dpdk-proc-info"), "dpdk-proc-info is missing: install the Debian package 'dpdk'");
        using var huge = new HugePages(pages: 192);
        using var dir = new TestDirectory("procinfo");
        var options = DataplaneProcess.TestOptions(
            new PortOptions { Name = "src0", Vdev = "net_null0" },
            new PortOptions { Name = "sink0", Vdev = "net_null1,no-rx=1" });
        options.Memory = new MemoryOptions { MemoryMb = 256, HugeDir = huge.Mount };
        options.Forwarding.Add(new ForwardRule { From = "src0", To = "sink0" });

        using var dp = new DataplaneProcess(options, dir, "--status-ms", "100", "--duration", "60");
        dp.WaitUntilRunning();
        dp.WaitForStatus(s => DataplaneProcess.Number(s, "rx") > 0, TimeSpan.FromSeconds(30), "traffic");

        using (var procInfo = new ChildProcess("stdbuf",
            new[] { "-oL", "dpdk-proc-info", "--file-prefix=" + dp.FilePrefix, "--huge-dir=" + huge.Mount, "--", "--stats" }, "dpdk-proc-info"))
        {
            Assert.True(procInfo.WaitForExit(TimeSpan.FromSeconds(30)), "dpdk-proc-info did not finish:\n" + procInfo.Output);
            var output = procInfo.Output;
            Assert.True(procInfo.ExitCode == 0, output);
            Assert.Contains("NIC statistics for port 0", output);
            Assert.Contains("NIC statistics for port 1", output);
            var rx = procInfo.Lines.SkipWhile(l => !l.Contains("NIC statistics for port 0", StringComparison.Ordinal))
                .First(l => l.TrimStart().StartsWith("RX-packets:", StringComparison.Ordinal));
            Assert.True(ulong.Parse(rx.Split(':', StringSplitOptions.TrimEntries)[1].Split(' ')[0]) > 0, rx);
        }

        dp.RequestStop();
        var report = dp.WaitForReport(TimeSpan.FromSeconds(30));
        Assert.Equal(0, report.Total.Unaccounted);
        Assert.Equal(report.Mempool.Size, report.Mempool.AvailableAfterClose);
    }
}
