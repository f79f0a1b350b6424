using System.Diagnostics;
using Microsoft.Extensions.Hosting;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// Samples every worker's poll counter (its loop heartbeat) twice a second: a worker is live while its counter keeps
/// moving; the busy ratio is the share of polls that returned packets since the previous sample.
/// </summary>
public sealed class WorkerHeartbeat : BackgroundService
{
    public static readonly TimeSpan Period = TimeSpan.FromMilliseconds(500);

    /// <summary>A loop that has not polled for this long is stuck.</summary>
    public static readonly TimeSpan StallLimit = TimeSpan.FromSeconds(3);

    private readonly ApplianceState _state;
    private readonly object _gate = new();
    private Sample[] _samples = Array.Empty<Sample>();

    public WorkerHeartbeat(ApplianceState state) => _state = state;

    private readonly record struct Sample(ulong Polls, ulong BusyPolls, long LastAdvance, double BusyRatio);

    /// <summary>Per worker: lcore, whether its loop advanced recently, seconds since, busy ratio over the last period.</summary>
    public IReadOnlyList<(int Lcore, bool Advancing, double SecondsSinceAdvance, double BusyRatio)> Read() => _state.Read(Read);

    /// <summary><see cref="Read()"/> for a caller that already holds the data path (inside <see cref="ApplianceState.Read{T}"/>).</summary>
    public IReadOnlyList<(int Lcore, bool Advancing, double SecondsSinceAdvance, double BusyRatio)> Read(Dataplane.Dataplane? dp)
    {
        if (dp is null)
            return Array.Empty<(int, bool, double, double)>();
        Sample[] samples;
        lock (_gate)
            samples = _samples;
        if (samples.Length < dp.Counters.Workers)
        {
            // Asked before the first period ended: a fresh sample starts every worker's stall clock now.
            Take(dp);
            lock (_gate)
                samples = _samples;
        }
        var now = Stopwatch.GetTimestamp();
        var report = new List<(int, bool, double, double)>();
        for (var w = 0; w < samples.Length && w < dp.WorkerCount; w++)
        {
            var since = Stopwatch.GetElapsedTime(samples[w].LastAdvance, now);
            report.Add((_state.Configuration.Appliance.Dataplane.WorkerLcores[w], since < StallLimit, since.TotalSeconds, samples[w].BusyRatio));
        }
        return report;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Period);
        try
        {
            do
            {
                Take();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            // The host stops (or failed to start and is being disposed): not a failure of the heartbeat.
        }
    }

    private void Take() => _state.Read(dp =>
    {
        if (dp is not null)
            Take(dp);
        return 0;
    });

    private void Take(Dataplane.Dataplane dp)
    {
        var now = Stopwatch.GetTimestamp();
        lock (_gate)
        {
            var next = new Sample[dp.Counters.Workers];
            for (var w = 0; w < next.Length; w++)
            {
                var c = dp.Counters.Read(w);
                if (w >= _samples.Length)
                {
                    next[w] = new Sample(c.Polls, c.BusyPolls, now, 0);
                    continue;
                }
                var previous = _samples[w];
                var polls = c.Polls - previous.Polls;
                var ratio = polls == 0 ? 0 : (double)(c.BusyPolls - previous.BusyPolls) / polls;
                next[w] = new Sample(c.Polls, c.BusyPolls, polls > 0 ? now : previous.LastAdvance, ratio);
            }
            _samples = next;
        }
    }
}
