using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Cli;

/// <summary>
/// <c>prednat dataplane --config FILE</c>: a diagnostic command that runs the DPDK data path with the forwarding
/// stage (port A to port B by configuration); <c>prednat dataplane --appliance-config FILE [--services FILE]
/// [--policy-dir DIR]</c> runs it with the full packet pipeline instead (the ports come from the appliance
/// configuration's <c>dataplane</c> section; loading as <c>prednat replay</c> does). The tests and
/// <c>bench/dataplane/run</c> drive it as a child process, because DPDK's EAL can be initialised only once per process.
///
/// With --warmup and --duration (or --measure) it prints a "rate:" line: packets per second over the window.
/// Stops on SIGINT/SIGTERM, on a line "stop" on stdin, after --duration, when --stop-after-rx packets were
/// received and accounted for, or when traffic went idle for --idle-stop-ms. Prints the EAL argv, periodic
/// "status" lines with --status-ms, the final counters, and writes them as JSON with --report.
/// </summary>
public static class DataplaneCommand
{
    private static readonly string[] Options =
    {
        "config", "appliance-config", "services", "policy-dir", "duration", "warmup", "measure", "stop-after-rx", "idle-stop-ms", "status-ms", "report", "file-prefix",
    };

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, Options);
        var configPath = line.Get("config");
        var appliancePath = line.Get("appliance-config");
        if ((configPath is null) == (appliancePath is null))
            throw new UsageException("dataplane: either --config FILE (JSON DataplaneOptions, the forwarding stage; docs/dataplane.md) or --appliance-config FILE (the full pipeline; docs/pipeline.md#configuration) is required");
        if (appliancePath is null && (line.Get("services") is not null || line.Get("policy-dir") is not null))
            throw new UsageException("dataplane: --services and --policy-dir go with --appliance-config");
        var duration = ParseDouble(line, "duration");
        var warmup = ParseDouble(line, "warmup") ?? 0;
        // The rate window: [warmup, warmup + measure]; by default the whole --duration after the warm-up.
        var measure = ParseDouble(line, "measure");
        var stopAfterRx = line.Get("stop-after-rx") is { } s ? ulong.Parse(s, CultureInfo.InvariantCulture) : (ulong?)null;
        var idleStopMs = ParseDouble(line, "idle-stop-ms");
        var statusMs = ParseDouble(line, "status-ms");

        ApplianceRuntime? runtime = null;
        DataplaneOptions options;
        try
        {
            if (appliancePath is not null)
            {
                runtime = ApplianceLoading.CreateRuntime(appliancePath, line.Get("services"), line.Get("policy-dir"), new RuntimeOptions(), error);
                if (runtime is null)
                    return 1;
                options = runtime.Configuration.Dataplane;
            }
            else
            {
                options = DataplaneOptions.Load(configPath!);
            }
            if (line.Get("file-prefix") is { } prefix)
                options.Memory.FilePrefix = prefix;
            DataplaneOptionsValidator.ThrowIfInvalid(options);
        }
        catch (DataplaneConfigurationException e)
        {
            error.WriteLine($"prednat: {e.Message}");
            runtime?.Dispose();
            return 2;
        }
        catch (Exception e) when (ApplianceLoading.IsInputError(e))
        {
            error.WriteLine($"prednat: dataplane: {e.Message}");
            return 1;
        }
        using var ownedRuntime = runtime;

        Dataplane.Dataplane dp;
        try
        {
            dp = Dataplane.Dataplane.Start(options, runtime?.Factory, log: output);
        }
        catch (Exception e) when (e is DataplaneException or DataplaneConfigurationException or InvalidOperationException or ArgumentException)
        {
            error.WriteLine($"prednat: {e.Message}");
            return 1;
        }

        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; dp.RequestStop(); });
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; dp.RequestStop(); });
        var stdin = new Thread(() => ReadControl(dp, output)) { IsBackground = true, Name = "pda-stdin" };
        stdin.Start();
        output.WriteLine("dataplane: running");
        output.Flush();

        var clock = Stopwatch.StartNew();
        var lastStatus = TimeSpan.Zero;
        var lastChange = TimeSpan.Zero;
        ulong lastRx = 0, lastTx = 0, lastDrops = 0;
        (double At, ulong Rx, ulong Tx)? windowStart = null;
        (double At, ulong Rx, ulong Tx)? windowEnd = null;
        while (!dp.IsStopRequested)
        {
            Thread.Sleep(2);
            dp.Counters.ReadTotals(out var rx, out var tx, out var dropped);
            var now = clock.Elapsed;
            if (rx != lastRx || tx != lastTx || dropped != lastDrops)
            {
                lastChange = now;
                (lastRx, lastTx, lastDrops) = (rx, tx, dropped);
            }
            if (windowStart is null && now.TotalSeconds >= warmup)
                windowStart = (now.TotalSeconds, rx, tx);
            if (statusMs is { } every && (now - lastStatus).TotalMilliseconds >= every)
            {
                lastStatus = now;
                WriteStatus(dp, dp.Counters.ReadTotal(), output);
            }
            if (!dp.AllWorkersRunning && !dp.IsStopRequested)
            {
                error.WriteLine("prednat: a worker loop ended unexpectedly; stopping");
                break;
            }
            if (measure is { } m && windowEnd is null && now.TotalSeconds >= warmup + m)
                windowEnd = (now.TotalSeconds, rx, tx);
            if (duration is { } d && now.TotalSeconds >= warmup + d)
            {
                windowEnd ??= (now.TotalSeconds, rx, tx);
                break;
            }
            if (stopAfterRx is { } n && rx >= n && rx == tx + dropped)
                break;
            if (idleStopMs is { } idle && rx > 0 && (now - lastChange).TotalMilliseconds >= idle)
                break;
        }

        DataplaneReport report;
        try
        {
            report = dp.Stop();
        }
        catch (DataplaneException e)
        {
            error.WriteLine($"prednat: {e.Message}");
            return 1;
        }
        finally
        {
            dp.Dispose();
        }

        if (windowStart is { } a && windowEnd is { } b && b.At > a.At)
        {
            var seconds = b.At - a.At;
            var rxPps = (b.Rx - a.Rx) / seconds;
            var txPps = (b.Tx - a.Tx) / seconds;
            output.WriteLine(FormattableString.Invariant(
                $"rate: seconds={seconds:0.000} rx_packets={b.Rx - a.Rx} tx_packets={b.Tx - a.Tx} rx_mpps={rxPps / 1e6:0.0000} tx_mpps={txPps / 1e6:0.0000} ns_per_packet={(rxPps > 0 ? 1e9 / rxPps : 0):0.00}"));
        }
        if (runtime is not null)
            WritePipelineSummary(runtime, report, output);
        if (line.Get("report") is { } reportPath)
            File.WriteAllText(reportPath, report.ToJson());
        var failed = report.Workers.Any(w => w.Failure is not null);
        var leaked = report.Mempool.InUseAfterClose is > 0;
        if (leaked)
            error.WriteLine($"prednat: {report.Mempool.InUseAfterClose} mbufs were not returned to the pool");
        return failed || leaked ? 1 : 0;
    }

    /// <summary>The pipeline's verdicts in one place: drops by reason (the same counters as the final line) and conntrack's view.</summary>
    private static void WritePipelineSummary(ApplianceRuntime runtime, DataplaneReport report, TextWriter output)
    {
        var drops = report.Total.DropsByReason;
        output.WriteLine("pipeline: drops by reason: " + (drops.Count == 0 ? "none" : string.Join(", ", drops.Select(d => $"{d.Key} {d.Value}"))));
        var ct = runtime.Conntrack.Stats;
        output.WriteLine($"pipeline: conntrack: {runtime.Conntrack.Count} entries; lookups {ct.Lookups}: established {ct.Established}, new {ct.New}, related {ct.Related}, invalid {ct.Invalid}, re-evaluate {ct.ReEvaluate}; inserted {ct.Inserted}, full {ct.Full}, clash {ct.Clash}");
    }

    private static void WriteStatus(Dataplane.Dataplane dp, Dataplane.Workers.CounterSnapshot t, TextWriter output)
    {
        var links = string.Join(",", dp.Ports.Select(p => $"{p.Name}:{(dp.ReadLink(p.Name).Up ? "up" : "down")}"));
        output.WriteLine($"status rx={t.RxPackets} tx={t.TxPackets} dropped={t.DroppedPackets} unaccounted={t.Unaccounted} polls={t.Polls} links={links}");
        output.Flush();
    }

    private static void ReadControl(Dataplane.Dataplane dp, TextWriter output)
    {
        try
        {
            string? command;
            while ((command = Console.In.ReadLine()) is not null)
            {
                switch (command.Trim())
                {
                    case "stop":
                        dp.RequestStop();
                        return;
                    case "status":
                        WriteStatus(dp, dp.Counters.ReadTotal(), output);
                        break;
                }
            }
        }
        catch (IOException)
        {
        }
    }

    private static double? ParseDouble(CommandLine line, string name) =>
        line.Get(name) is { } v
            ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0 ? d : throw new UsageException($"--{name}: '{v}' is not a non-negative number")
            : null;
}
