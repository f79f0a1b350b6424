using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// What the running appliance is made of, shared by the hosted services and the management endpoint: the loaded
/// policy and runtime (set before the host starts), the data path and the services watcher (set once DPDK is up).
/// Readers see either null or a started part; the data path is cleared before it is torn down.
/// </summary>
public sealed class ApplianceState
{
    public ApplianceState(HostConfiguration configuration, ApplianceRuntime runtime, ICompiledPolicy policy, CompiledPolicySet compiled, DateTimeOffset policyBuiltAt)
    {
        Configuration = configuration;
        Runtime = runtime;
        Policy = policy;
        Compiled = compiled;
        PolicyBuiltAt = policyBuiltAt;
    }

    public HostConfiguration Configuration { get; }
    public ApplianceRuntime Runtime { get; }
    public ICompiledPolicy Policy { get; }
    public CompiledPolicySet Compiled { get; }

    /// <summary>When the policy assembly was built (its file's time).</summary>
    public DateTimeOffset PolicyBuiltAt { get; }

    private volatile Dataplane.Dataplane? _dataplane;
    private volatile ServiceFileWatcher? _watcher;
    private volatile bool _stopping;

    /// <summary>The started data path (EAL up, ports started, workers launched), or null.</summary>
    public Dataplane.Dataplane? Dataplane
    {
        get => _dataplane;
        set => _dataplane = value;
    }

    /// <summary>The services file watcher, when a services file is watched.</summary>
    public ServiceFileWatcher? Watcher
    {
        get => _watcher;
        set => _watcher = value;
    }

    public bool Stopping
    {
        get => _stopping;
        set => _stopping = value;
    }

    /// <summary>Set when the data path has stopped: the final report.</summary>
    public Dataplane.DataplaneReport? FinalReport { get; set; }
}
