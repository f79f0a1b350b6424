using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PreDnatAppliance.Cli;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// The composition root of <c>prednat run</c>: configuration layers, validation (exit 2 before DPDK is touched), the
/// policy and services, the runtime, then a Microsoft.Extensions.Hosting host whose hosted services start in this order
/// and stop in the reverse: heartbeat sampler, management endpoint, data path, live view, duration limit. SIGTERM and
/// Ctrl-C stop the host (drain, final counters, summary) within <c>run:shutdownTimeoutSeconds</c>; the exit code is 0
/// unless a part failed.
/// </summary>
public static class ApplianceHost
{
    public const int ExitInvalidConfiguration = 2;
    public const int ExitFailed = 1;

    /// <param name="adminRoutes">
    /// Authenticated POST routes for the management endpoint (the policy swap), each built from the running appliance's
    /// state once it is loaded; they answer 403 unless <c>management:adminToken</c> is set.
    /// </param>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error, IReadOnlyList<Func<ApplianceState, AdminRoute>>? adminRoutes = null)
    {
        HostConfiguration configuration;
        try
        {
            configuration = HostConfiguration.Load(args, Directory.GetCurrentDirectory());
        }
        catch (HostConfigurationException e)
        {
            error.WriteLine($"prednat: run: {e.Message}");
            return ExitInvalidConfiguration;
        }
        using var ownedConfiguration = configuration;

        var invalid = HostValidation.Validate(configuration, MachineFacts.Read());
        if (invalid.Count > 0)
        {
            error.WriteLine($"prednat: run: {new HostConfigurationException(invalid).Message}");
            return ExitInvalidConfiguration;
        }

        ApplianceState state;
        try
        {
            var loaded = Load(configuration, error);
            if (loaded is null)
                return ExitFailed;
            state = loaded;
        }
        catch (HostConfigurationException e)
        {
            error.WriteLine($"prednat: run: {e.Message}");
            return ExitInvalidConfiguration;
        }
        catch (Exception e) when (ApplianceLoading.IsInputError(e))
        {
            error.WriteLine($"prednat: run: {e.Message}");
            return ExitFailed;
        }
        using var runtime = state.Runtime;

        if (configuration.Demo is { } demo)
            output.WriteLine($"prednat: running the embedded demo: {string.Join(", ", demo.PacketsPerPort.Select(p => $"{p.Key} replays {p.Value} packets"))} " +
                "in a loop (net_pcap); the kernel port is net_null. Ctrl-C stops.");

        var outcome = new RunOutcome();
        using var host = BuildHost(state, outcome, adminRoutes ?? Array.Empty<Func<ApplianceState, AdminRoute>>());
        try
        {
            host.Run();
        }
        catch (Exception e) when (e is DataplaneException or Dataplane.Configuration.DataplaneConfigurationException or InvalidOperationException
                                      or ArgumentException or IOException)
        {
            // The host is already disposed when its start fails: report on stderr only.
            var hint = e is IOException && e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException
                ? " (another process listens there: stop it or choose another address with --management-address HOST:PORT)"
                : "";
            error.WriteLine($"prednat: run: start failed: {e.Message}{hint}");
            return ExitFailed;
        }
        return outcome.ExitCode;
    }

    /// <summary>Policy (built in or rebuilt), the policy directory compiled for the node, the services, the runtime.</summary>
    private static ApplianceState? Load(HostConfiguration configuration, TextWriter error)
    {
        var run = configuration.Run;
        var appliance = configuration.Appliance;
        var policy = run.PolicyDir is null ? PolicyAssemblies.BuiltIn() : PolicyAssemblies.Rebuild(run.PolicyDir, error);
        var directory = run.PolicyDir ?? ApplianceLoading.BuiltInPolicyDirectory(policy);
        var compiled = PolicyLoading.LoadCompiled(directory, appliance.Node.Name, error);
        if (compiled is null)
            return null;
        var interfaces = HostValidation.CheckInterfaces(compiled, appliance);
        if (interfaces.Count > 0)
            throw new HostConfigurationException(interfaces);

        var services = run.Services is null
            ? ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), ApplianceConfiguration.DefaultServicesResourceName)
            : ServiceYamlLoader.LoadFile(run.Services);
        var runtime = ApplianceRuntime.Create(appliance, policy, compiled, services, new RuntimeOptions(), configuration.SourceName);
        return new ApplianceState(configuration, runtime, compiled);
    }

    private static IHost BuildHost(ApplianceState state, RunOutcome outcome, IReadOnlyList<Func<ApplianceState, AdminRoute>> adminRoutes)
    {
        var root = state.Configuration.Root;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "prednat" });
        builder.Configuration.AddConfiguration(root);

        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        builder.Logging.AddConfiguration(root.GetSection("logging"));
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "HH:mm:ss.fff ";
        });
        if (string.Equals(root["logging:format"], "json", StringComparison.OrdinalIgnoreCase))
            builder.Logging.AddJsonConsole(o =>
            {
                o.UseUtcTimestamp = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
            });

        builder.Services.AddSingleton(state);
        builder.Services.AddSingleton(outcome);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(state.Configuration.Run.ShutdownTimeoutSeconds));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        foreach (var route in adminRoutes)
            builder.Services.AddSingleton(route(state));
        builder.Services.AddSingleton<ApplianceManagementSource>();

        builder.Services.AddSingleton<WorkerHeartbeat>();
        builder.Services.AddHostedService(s => s.GetRequiredService<WorkerHeartbeat>());
        builder.Services.AddHostedService<ManagementService>();
        builder.Services.AddHostedService<ApplianceService>();
        builder.Services.AddHostedService<LiveView>();
        builder.Services.AddHostedService<RunDuration>();
        return builder.Build();
    }
}
