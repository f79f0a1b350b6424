using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Hosting;
using PreDnatAppliance.Dataplane.Stages;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// One line per second on standard output: elapsed time, RX and TX rates, the drop rate and the busiest drop reasons of
/// that second, the three most frequent stage verdicts of that second, and the tracked flows. Reads the per-lcore counters like a scrape does; writes nothing when disabled
/// (<c>run:liveView=false</c>).
/// </summary>
public sealed class LiveView : BackgroundService
{
    private readonly ApplianceState _state;
    private readonly TextWriter _output;

    public LiveView(ApplianceState state) : this(state, Console.Out) { }

    public LiveView(ApplianceState state, TextWriter output)
    {
        _state = state;
        _output = output;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_state.Configuration.Run.LiveView)
            return;
        var clock = Stopwatch.StartNew();
        ulong[]? previousDrops = null;
        var previousVerdicts = new Dictionary<(string, string), ulong>();
        ulong previousRx = 0, previousTx = 0;
        var previousAt = TimeSpan.Zero;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var total = _state.Read(dp => dp?.Counters.ReadTotal());
            if (total is null)
                continue;
            var now = clock.Elapsed;
            var seconds = (now - previousAt).TotalSeconds;
            var drops = new ulong[DropReasons.Count];
            for (var i = 0; i < drops.Length; i++)
                drops[i] = total.Drops[i] - (previousDrops?[i] ?? 0);
            var dropped = drops.Aggregate(0UL, (a, b) => a + b);
            var top = drops.Select((n, i) => (Reason: DropReasons.Name((DropReason)i), Count: n)).Where(d => d.Count > 0)
                .OrderByDescending(d => d.Count).Take(3)
                .Select(d => FormattableString.Invariant($"{d.Reason} {100.0 * d.Count / dropped:0}%"));
            var verdicts = _state.Runtime.Counters.ReadTotal().StageVerdicts
                .Where(v => v.Stage != "parse").ToDictionary(v => (v.Stage, v.Verdict), v => v.Packets);
            var topVerdicts = verdicts.Select(v => (Name: $"{v.Key.Item1} {v.Key.Item2}", Count: v.Value - previousVerdicts.GetValueOrDefault(v.Key)))
                .Where(v => v.Count > 0).OrderByDescending(v => v.Count).ThenBy(v => v.Name, StringComparer.Ordinal).Take(3)
                .Select(v => $"{v.Name} {Rate(v.Count, seconds)}");
            _output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{now.TotalSeconds,5:0}s] rx {Rate(total.RxPackets - previousRx, seconds)}  tx {Rate(total.TxPackets - previousTx, seconds)}  " +
                $"drops {Rate(dropped, seconds)}{(dropped == 0 ? "" : " (" + string.Join(", ", top) + ")")}  " +
                $"top verdicts: {string.Join(", ", topVerdicts)}  flows {_state.Runtime.Conntrack.Count}"));
            previousVerdicts = verdicts;
            _output.Flush();
            (previousRx, previousTx, previousDrops, previousAt) = (total.RxPackets, total.TxPackets, total.Drops, now);
        }
    }

    private static string Rate(ulong packets, double seconds)
    {
        var pps = seconds > 0 ? packets / seconds : 0;
        return pps >= 1e6 ? FormattableString.Invariant($"{pps / 1e6:0.00} Mpps") : FormattableString.Invariant($"{pps / 1e3:0.0} kpps");
    }
}
