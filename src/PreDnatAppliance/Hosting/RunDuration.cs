using Microsoft.Extensions.Hosting;

namespace PreDnatAppliance.Hosting;

/// <summary><c>--duration SECONDS</c>: stops the host after that long, the same way SIGTERM does.</summary>
public sealed class RunDuration : BackgroundService
{
    private readonly ApplianceState _state;
    private readonly IHostApplicationLifetime _lifetime;

    public RunDuration(ApplianceState state, IHostApplicationLifetime lifetime)
    {
        _state = state;
        _lifetime = lifetime;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_state.Configuration.Run.Duration is not { } seconds)
            return;
        await Task.Delay(TimeSpan.FromSeconds(seconds), stoppingToken).ConfigureAwait(false);
        _lifetime.StopApplication();
    }
}
