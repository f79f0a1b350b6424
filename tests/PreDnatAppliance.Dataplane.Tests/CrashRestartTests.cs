using System.Globalization;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>
/// A crash-restart loop: <c>prednat dataplane</c> under traffic is killed with SIGKILL (no cleanup at all) and started
/// again with the same file prefix, as a supervisor would restart the appliance. What DPDK leaves on disk (hugepage
/// files, /dev/shm, /var/run/dpdk/&lt;prefix&gt;) must not grow from one crash to the next, hugepages must not be lost,
/// and a clean stop after the loop still returns every mbuf. Three memory modes: hugepages (a private hugetlbfs) with a
/// file prefix, hugepages with --in-memory, and --no-huge with a file prefix (DPDK 22.11 refuses --no-huge with
/// --in-memory). docs/reliability.md quotes the listings.
/// </summary>
public class CrashRestartTests(ITestOutputHelper output)
{
    private const int Crashes = 4;

    [Theory]
    [InlineData("hugepages")]
    [InlineData("no-huge")]
    [InlineData("hugepages-in-memory")]
    public void Killing_and_restarting_the_data_path_leaks_no_hugepages_or_runtime_files(string mode)
    {
        using var huge = mode.StartsWith("hugepages", StringComparison.Ordinal) ? new HugePages(pages: 96) : null;
        using var dir = new TestDirectory("crash-" + mode);
        var prefix = $"pda-crash-{Environment.ProcessId}-{mode}";
        var options = DataplaneProcess.TestOptions(
            new PortOptions { Name = "src0", Vdev = "net_null0" },
            new PortOptions { Name = "sink0", Vdev = "net_null1,no-rx=1" });
        options.Memory = mode switch
        {
            "hugepages" => new MemoryOptions { MemoryMb = 128, HugeDir = huge!.Mount },
            "hugepages-in-memory" => new MemoryOptions { MemoryMb = 128, HugeDir = huge!.Mount, InMemory = true },
            _ => new MemoryOptions { NoHuge = true, MemoryMb = 256 },
        };
        options.Forwarding.Add(new ForwardRule { From = "src0", To = "sink0" });
        var freeBefore = HugePagesFree();

        try
        {
            var listings = new List<string[]>();
            var freeAfterCrash = new List<long>();
            for (var crash = 0; crash < Crashes; crash++)
            {
                using var dp = new DataplaneProcess(options, dir, "--file-prefix", prefix, "--status-ms", "50", "--duration", "120");
                dp.WaitUntilRunning();
                dp.WaitForStatus(s => DataplaneProcess.Number(s, "rx") > 0, TimeSpan.FromSeconds(30), "traffic");
                dp.Child.Kill();   // SIGKILL: no handler runs, nothing is cleaned up
                Assert.True(dp.Child.WaitForExit(TimeSpan.FromSeconds(10)), "the killed process did not go away");
                listings.Add(Leftovers(prefix, huge?.Mount));
                freeAfterCrash.Add(HugePagesFree());
                output.WriteLine($"{mode}, after crash {crash + 1}: HugePages_Free {freeAfterCrash[^1]}; left behind: " +
                                 Describe(listings[^1]));
            }

            // No growth: every crash leaves exactly what the first one left (a restart reclaims its predecessor's files).
            for (var crash = 1; crash < Crashes; crash++)
            {
                Assert.Equal(listings[0], listings[crash]);
                Assert.Equal(freeAfterCrash[0], freeAfterCrash[crash]);
            }
            if (mode == "hugepages-in-memory")
            {
                // Nothing but the telemetry socket (a stale one is replaced at the next start): no files, no pages held.
                Assert.All(listings[0], f => Assert.Equal("run:dpdk_telemetry.v2", f));
                Assert.Equal(freeBefore, freeAfterCrash[0]);
            }

            // After the loop the appliance still starts and stops cleanly, every mbuf back.
            using (var dp = new DataplaneProcess(options, dir, "--file-prefix", prefix, "--status-ms", "50", "--duration", "120"))
            {
                dp.WaitUntilRunning();
                dp.WaitForStatus(s => DataplaneProcess.Number(s, "rx") > 0, TimeSpan.FromSeconds(30), "traffic");
                dp.RequestStop();
                var report = dp.WaitForReport(TimeSpan.FromSeconds(30));
                Assert.Equal(0, report.Total.Unaccounted);
                Assert.Equal(report.Mempool.Size, report.Mempool.AvailableAfterClose);
            }
            var afterCleanStop = Leftovers(prefix, huge?.Mount);
            output.WriteLine($"{mode}, after a clean stop: HugePages_Free {HugePagesFree()} (before the loop {freeBefore}); left behind: " +
                             Describe(afterCleanStop));
            // A clean stop leaves at most what a crash leaves. With hugepage files (no --in-memory) DPDK 22.11 keeps
            // them after rte_eal_cleanup too: the pages stay with the files until the next start of the same prefix
            // reclaims them (the loop above shows it never takes more).
            Assert.Subset(listings[0].ToHashSet(), afterCleanStop.ToHashSet());
            Assert.Equal(freeAfterCrash[0], HugePagesFree());
        }
        finally
        {
            var runtime = Path.Combine("/var/run/dpdk", prefix);
            if (Directory.Exists(runtime))
                Directory.Delete(runtime, recursive: true);
        }
    }

    /// <summary>What a data path of this prefix left on disk: hugepage files, /dev/shm entries, the runtime directory's files.</summary>
    private static string[] Leftovers(string prefix, string? hugeMount)
    {
        var found = new List<string>();
        if (hugeMount is not null)
            found.AddRange(Directory.GetFiles(hugeMount).Select(f => "huge:" + Path.GetFileName(f)));
        found.AddRange(Directory.GetFileSystemEntries("/dev/shm").Select(Path.GetFileName).Where(f => f!.Contains(prefix, StringComparison.Ordinal)).Select(f => "shm:" + f));
        var runtime = Path.Combine("/var/run/dpdk", prefix);
        if (Directory.Exists(runtime))
            found.AddRange(Directory.GetFileSystemEntries(runtime).Select(f => "run:" + Path.GetFileName(f)));
        found.Sort(StringComparer.Ordinal);
        return found.ToArray();
    }

    /// <summary>"64 hugepage files (PREFIXmap_0..63); runtime dir: config fbarray_memzone ..." for the log.</summary>
    private static string Describe(string[] leftovers)
    {
        if (leftovers.Length == 0)
            return "nothing";
        var huge = leftovers.Count(f => f.StartsWith("huge:", StringComparison.Ordinal));
        var rest = leftovers.Where(f => !f.StartsWith("huge:", StringComparison.Ordinal)).ToList();
        return (huge > 0 ? $"{huge} hugepage files (<prefix>map_0..{huge - 1}); " : "") +
               (rest.Count > 0 ? string.Join(" ", rest) : "");
    }

    private static long HugePagesFree() =>
        long.Parse(File.ReadLines("/proc/meminfo").First(l => l.StartsWith("HugePages_Free:", StringComparison.Ordinal)).Split(':')[1].Trim(), CultureInfo.InvariantCulture);
}
