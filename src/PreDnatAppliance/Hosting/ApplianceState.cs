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
        _policy = new PolicyInUse(policy, compiled, policyBuiltAt);
    }

    public HostConfiguration Configuration { get; }
    public ApplianceRuntime Runtime { get; }

    /// <summary>The policy in force (replaced by <see cref="PolicySwapped"/> after a live swap), read as one piece.</summary>
    public PolicyInUse CurrentPolicy => _policy;

    public ICompiledPolicy Policy => _policy.Policy;
    public CompiledPolicySet Compiled => _policy.Compiled;

    /// <summary>When the policy assembly was built (its file's time).</summary>
    public DateTimeOffset PolicyBuiltAt => _policy.BuiltAt;

    private volatile PolicyInUse _policy;

    /// <summary>Called after <see cref="ApplianceRuntime.SwapPolicy"/> (prednat redeploy), so the endpoints describe the new policy.</summary>
    public void PolicySwapped(ICompiledPolicy policy, CompiledPolicySet compiled, DateTimeOffset builtAt) =>
        _policy = new PolicyInUse(policy, compiled, builtAt);

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

/// <summary>A policy assembly, the same policy directory compiled for the node, and when the assembly was built.</summary>
public sealed record PolicyInUse(ICompiledPolicy Policy, CompiledPolicySet Compiled, DateTimeOffset BuiltAt);
