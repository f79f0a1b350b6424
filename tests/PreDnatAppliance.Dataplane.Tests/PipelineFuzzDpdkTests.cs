using System.Diagnostics;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using PreDnatAppliance.TestSupport;
using Xunit.Abstractions;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>
/// The whole-pipeline fuzz corpus (tests/Shared/PipelineFuzzCorpus.cs, the one the offline fuzz runs) through the
/// full pipeline under DPDK: one pcap per port into <c>prednat dataplane --appliance-config</c> over net_pcap. The
/// process exits 0, every packet received is sent or dropped with a reason (rx = tx + drops), the parse drops are
/// exactly the offline parser's for the same frames, and every mbuf is back in the pool. 20,000 frames by default,
/// PREDNAT_TEST_LONG=1: 300,000. A second test stops the data path with SIGTERM while net_pcap replays a pcap
/// endlessly (infinite_rx): it exits 0 within the shutdown timeout with final counters and all mbufs back.
/// </summary>
public class PipelineFuzzDpdkTests(ITestOutputHelper output)
{
    private const ulong Seed = 20261122;
    private static bool Long => FuzzSettings.Long;

    [Fact]
    public void Fuzz_corpus_through_the_pipeline_under_dpdk_is_all_accounted_for()
    {
        var frames = Long ? 300_000 : 20_000;
        using var dir = new TestDirectory("dpdk-fuzz");
        var expectedParseDrops = WriteCorpus(dir, frames, out var perPort);
        var prefix = $"pda-fuzz-{Environment.ProcessId}";
        var config = dir.File("appliance.json");
        File.WriteAllText(config, ApplianceJson(dir, prefix, infiniteRx: false));

        var report = dir.File("report.json");
        var clock = Stopwatch.StartNew();
        DataplaneReport dp;
        using (var child = Start(config, report, "--stop-after-rx", frames.ToString(), "--duration", "300"))
        {
            try
            {
                Assert.True(child.WaitForExit(TimeSpan.FromSeconds(300)), $"prednat dataplane did not exit; output:\n{Tail(child)}");
                Assert.True(child.ExitCode == 0, $"prednat dataplane exited with {child.ExitCode}; output:\n{Tail(child)}");
                dp = DataplaneReport.FromJson(File.ReadAllText(report));
                output.WriteLine(string.Join("\n", child.Lines.Where(l => l.StartsWith("pipeline:", StringComparison.Ordinal))));
            }
            finally
            {
                RemoveRuntimeDirectory(prefix);
            }
        }
        var t = dp.Total;
        output.WriteLine($"{frames:N0} fuzz frames ({string.Join(", ", perPort.Select(p => $"{p.Key} {p.Value:N0}"))}) in {clock.Elapsed.TotalSeconds:0.0} s " +
                         $"(process start to exit): rx {t.RxPackets:N0}, tx {t.TxPackets:N0}, dropped {t.DroppedPackets:N0}; " +
                         $"mempool {dp.Mempool.AvailableAfterClose} of {dp.Mempool.Size} back after close");
        Assert.Equal((ulong)frames, t.RxPackets);
        Assert.Equal(t.RxPackets, t.TxPackets + t.DroppedPackets);
        Assert.Equal(0, t.Unaccounted);
        for (var r = 16; r <= 39; r++)
        {
            var name = DropReasons.Name((DropReason)r);
            Assert.True(expectedParseDrops[r] == (long)t.DropsByReason.GetValueOrDefault(name),
                $"{name}: offline parser {expectedParseDrops[r]}, data path {t.DropsByReason.GetValueOrDefault(name)}");
        }
        Assert.All(dp.Workers, w => Assert.Null(w.Failure));
        Assert.Equal(dp.Mempool.Size, dp.Mempool.AvailableAfterClose);
        Assert.Equal(0u, dp.Mempool.InUseAfterClose);
    }

    [Fact]
    public void Sigterm_under_load_stops_cleanly_within_the_shutdown_timeout()
    {
        using var dir = new TestDirectory("dpdk-sigterm");
        WriteCorpus(dir, 4_000, out _, singleSegment: true);   // net_pcap's infinite_rx refuses multi-segment frames
        var prefix = $"pda-term-{Environment.ProcessId}";
        var config = dir.File("appliance.json");
        File.WriteAllText(config, ApplianceJson(dir, prefix, infiniteRx: true));
        var report = dir.File("report.json");
        using var cleanup = new RuntimeDirectory(prefix);   // disposed last: after the child is gone
        using var child = Start(config, report, "--status-ms", "100", "--duration", "300");
        child.WaitForLine(l => l == "dataplane: running", TimeSpan.FromSeconds(60), what: "'dataplane: running'");
        child.WaitForLine(l => l.StartsWith("status rx=", StringComparison.Ordinal) && ulong.Parse(l.Split(' ')[1][3..]) > 200_000,
            TimeSpan.FromSeconds(60), what: "200,000 packets received");

        var sent = Stopwatch.StartNew();
        Assert.Equal(0, kill(child.Pid, 15));
        Assert.True(child.WaitForExit(TimeSpan.FromSeconds(15)), $"no exit within 15 s of SIGTERM; output:\n{Tail(child)}");
        var stopped = sent.Elapsed;
        Assert.True(child.ExitCode == 0, $"exit {child.ExitCode}; output:\n{Tail(child)}");
        var dp = DataplaneReport.FromJson(File.ReadAllText(report));
        output.WriteLine($"SIGTERM after {dp.Total.RxPackets:N0} packets: exit 0 after {stopped.TotalMilliseconds:0} ms; rx {dp.Total.RxPackets:N0} = " +
                         $"tx {dp.Total.TxPackets:N0} + dropped {dp.Total.DroppedPackets:N0}; mempool {dp.Mempool.AvailableAfterClose} of {dp.Mempool.Size} back");
        Assert.True(dp.Final);
        Assert.Equal(0, dp.Total.Unaccounted);
        Assert.Equal(dp.Mempool.Size, dp.Mempool.AvailableAfterClose);
    }

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private static ChildProcess Start(string config, string report, params string[] extra)
    {
        var args = new List<string> { Path.Combine(AppContext.BaseDirectory, "prednat.dll"), "dataplane", "--appliance-config", config, "--report", report };
        args.AddRange(extra);
        return new ChildProcess("dotnet", args, "prednat dataplane --appliance-config");
    }

    private static void RemoveRuntimeDirectory(string prefix)
    {
        try { Directory.Delete(Path.Combine("/var/run/dpdk", prefix), recursive: true); } catch (DirectoryNotFoundException) { } catch (IOException) { }
    }

    private sealed class RuntimeDirectory(string prefix) : IDisposable
    {
        public void Dispose() => RemoveRuntimeDirectory(prefix);
    }

    private static string Tail(ChildProcess child) => string.Join("\n", child.Lines.TakeLast(40));

    /// <summary>
    /// Writes frames 0..count-1 of the corpus into one pcap per ingress port (in corpus order) and returns the parse
    /// drops the offline parser gives the same frames, by reason value.
    /// </summary>
    private static long[] WriteCorpus(TestDirectory dir, int count, out Dictionary<string, int> perPort, bool singleSegment = false)
    {
        var corpus = new PipelineFuzzCorpus(Seed);
        var writers = PipelineFuzzCorpus.Ports.Select(p => PcapWriter.Create(dir.File($"{p}-in.pcap"))).ToArray();
        var counts = new int[writers.Length];
        var buffer = new byte[PipelineFuzzCorpus.MaxFrame];
        using var parser = new OfflineRunner(new IBurstStage[] { new ParseStage(boundsChecked: true) });
        try
        {
            for (var i = 0; i < count; i++)
            {
                var length = corpus.Frame(i, buffer, out var port);
                if (singleSegment && length > 2048)
                    continue;
                writers[port].WritePacket(buffer.AsSpan(0, length), 1_700_000_000L * 1_000_000_000 + i * 1_000L);
                counts[port]++;
                parser.Push(buffer.AsSpan(0, length), 0);
            }
            parser.Flush();
        }
        finally
        {
            foreach (var w in writers)
                w.Dispose();
        }
        perPort = PipelineFuzzCorpus.Ports.Select((p, i) => (p, counts[i])).ToDictionary(x => x.p, x => x.Item2);
        return parser.Totals.Drops.ToArray();
    }

    /// <summary>The embedded default configuration on net_pcap ports (each port replays its corpus pcap), with room for the rings.</summary>
    private static string ApplianceJson(TestDirectory dir, string prefix, bool infiniteRx)
    {
        var c = ApplianceConfiguration.Default();
        for (var i = 0; i < c.Dataplane.Ports.Count; i++)
        {
            var p = c.Dataplane.Ports[i];
            var tx = infiniteRx ? "/dev/null" : dir.File($"{p.Name}-out.pcap");
            // Under SIGTERM only eth0 replays endlessly; the others stay quiet (infinite_rx holds the pcap in mbufs).
            var rx = infiniteRx
                ? p.Name == "eth0" ? $"rx_pcap={dir.File("eth0-in.pcap")},infinite_rx=1," : ""
                : $"rx_pcap={dir.File($"{p.Name}-in.pcap")},";
            p.Vdev = $"net_pcap{i},{rx}tx_pcap={tx}";
        }
        c.Dataplane.Memory.NoHuge = true;
        c.Dataplane.Memory.MemoryMb = 512;
        c.Dataplane.Memory.FilePrefix = prefix;
        c.Dataplane.Mempool.Size = 16383;
        c.Dataplane.Mempool.CacheSize = 250;
        return c.ToJson();
    }
}
