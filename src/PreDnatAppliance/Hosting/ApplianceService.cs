using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PreDnatAppliance.Dataplane;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// Starts and stops the DPDK data path with the packet pipeline, in l3fwd's order: EAL, pool, ports, one poll loop per
/// worker (start); quit flag, drain, wait for the lcores, stop and close the ports, mempool check, EAL cleanup (stop).
/// Also watches the services file and stops the host when a worker loop dies. The final counters go to the log, the
/// summary table to standard output.
/// </summary>
public sealed class ApplianceService : IHostedService
{
    private readonly ApplianceState _state;
    private readonly RunOutcome _outcome;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<ApplianceService> _log;
    private readonly LoggerTextWriter _dataplaneLog;
    private CancellationTokenSource? _watchdog;

    public ApplianceService(ApplianceState state, RunOutcome outcome, IHostApplicationLifetime lifetime, ILogger<ApplianceService> log, ILoggerFactory loggers)
    {
        _state = state;
        _outcome = outcome;
        _lifetime = lifetime;
        _log = log;
        _dataplaneLog = new LoggerTextWriter(loggers.CreateLogger("PreDnatAppliance.Dataplane"));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var runtime = _state.Runtime;
        var configuration = _state.Configuration;
        // This thread becomes DPDK's main lcore (rte_eal_init runs here).
        var dp = Dataplane.Dataplane.Start(configuration.Appliance.Dataplane, runtime.Factory, _dataplaneLog);
        _state.Publish(dp);
        if (configuration.Run.Services is { } servicesPath)
        {
            var watcher = runtime.WatchServices(servicesPath, message => _log.LogInformation("services: {Message}", message));
            watcher.Start();
            _state.Watcher = watcher;
        }
        _log.LogInformation("appliance running: node {Node}, {Ports} ports, {Workers} workers, policy {Hash}, {Frontends} service frontends ({Source})",
            configuration.Appliance.Node.Name, dp.Ports.Count, dp.WorkerCount, _state.Policy.BuildInfo.ContentHash,
            runtime.Services.Current.Frontends.Count, configuration.SourceName);
        _watchdog = new CancellationTokenSource();
        _ = WatchWorkers(_watchdog.Token);
        return Task.CompletedTask;
    }

    /// <summary>A worker loop that ends by itself (a failure) stops the whole run with exit code 1.</summary>
    private async Task WatchWorkers(CancellationToken cancellation)
    {
        try
        {
            while (!cancellation.IsCancellationRequested)
            {
                await Task.Delay(WorkerHeartbeat.Period, cancellation).ConfigureAwait(false);
                if (_state.Read(dp => dp is not null && !dp.AllWorkersRunning && !dp.IsStopRequested))
                {
                    _log.LogError("a worker loop ended unexpectedly; stopping");
                    _outcome.Fail(1);
                    _lifetime.StopApplication();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _watchdog?.Cancel();
        _state.Stopping = true;
        _state.Watcher?.Dispose();
        var dp = _state.Withdraw();
        if (dp is null)
            return Task.CompletedTask;
        // Leave a fifth of the host's shutdown timeout for the summary and the rest of the host.
        var budget = TimeSpan.FromSeconds(_state.Configuration.Run.ShutdownTimeoutSeconds * 0.8);
        try
        {
            var report = dp.Stop(budget);
            _state.FinalReport = report;
            if (report.Workers.Any(w => w.Failure is not null))
                _outcome.Fail(1);
            if (report.Mempool.InUseAfterClose is > 0)
            {
                _log.LogError("{Mbufs} mbufs were not returned to the pool", report.Mempool.InUseAfterClose);
                _outcome.Fail(1);
            }
            RunSummary.Write(Console.Out, _state, report);
        }
        catch (DataplaneException e)
        {
            _log.LogError("stopping the data path: {Message}", e.Message);
            _outcome.Fail(1);
        }
        finally
        {
            dp.Dispose();
            _dataplaneLog.Flush();
        }
        return Task.CompletedTask;
    }
}
