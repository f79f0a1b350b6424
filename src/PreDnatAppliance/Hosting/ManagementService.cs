using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PreDnatAppliance.Management;

namespace PreDnatAppliance.Hosting;

/// <summary>Runs the management endpoint for the life of the host (started before the data path, stopped after it).</summary>
public sealed class ManagementService : IHostedService, IAsyncDisposable
{
    private readonly ManagementServer? _server;

    public ManagementService(ApplianceState state, ApplianceManagementSource source, ILoggerFactory loggers, IEnumerable<AdminRoute> routes)
    {
        var options = state.Configuration.Management;
        if (!options.Enabled)
            return;
        _server = new ManagementServer(options, source, loggers);
        foreach (var route in routes)
            _server.MapAdminPost(route.Path, route.Handler);
    }

    public Task StartAsync(CancellationToken cancellationToken) => _server?.StartAsync(cancellationToken) ?? Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>An admin POST route for the management endpoint, registered by the composition root (e.g. the policy swap).</summary>
public sealed record AdminRoute(string Path, AdminHandler Handler);
