using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// What the running appliance is made of, shared by the hosted services and the management endpoint: the loaded
/// policy and runtime (set before the host starts), the data path and the services watcher (set once DPDK is up).
/// The data path's counters and ports are native memory freed when it stops, so control-plane readers (scrapes, the
/// live view, the heartbeat) use it only inside <see cref="Read{T}"/>, and the stop withdraws it under the same gate
/// first: no reader can hold a data path that is being torn down. The workers never touch this gate.
/// </summary>
public sealed class ApplianceState
{
    public ApplianceState(HostConfiguration configuration, ApplianceRuntime runtime, CompiledPolicySet compiled)
    {
        Configuration = configuration;
        Runtime = runtime;
        _policy = new PolicyView(compiled, BuildTimeOf(runtime.CurrentPolicy.Model.Policy));
    }

    private sealed record PolicyView(CompiledPolicySet Compiled, DateTimeOffset BuiltAt);

    private volatile PolicyView _policy;

    public HostConfiguration Configuration { get; }
    public ApplianceRuntime Runtime { get; }

    /// <summary>The policy assembly in use (the runtime's current snapshot: follows a policy swap).</summary>
    public ICompiledPolicy Policy => Runtime.CurrentPolicy.Model.Policy;

    /// <summary>The policy directory compiled for this node (what /debug/policy shows).</summary>
    public CompiledPolicySet Compiled => _policy.Compiled;

    /// <summary>When the policy assembly in use was built (its file's time).</summary>
    public DateTimeOffset PolicyBuiltAt => _policy.BuiltAt;

    /// <summary>Retired policies whose load context is still loaded (the swap handler's count; 0 without one).</summary>
    public Func<int> RetiredPolicyContexts { get; set; } = () => 0;

    /// <summary>Call after a successful <see cref="ApplianceRuntime.SwapPolicy"/> (prednat redeploy) with the set that was swapped in and its package's build time.</summary>
    public void PolicySwapped(CompiledPolicySet compiled, DateTimeOffset builtAt) => _policy = new PolicyView(compiled, builtAt);

    /// <summary>A policy assembly's build time: its file's last write, or the epoch for one loaded from memory.</summary>
    public static DateTimeOffset BuildTimeOf(ICompiledPolicy policy)
    {
        var location = policy.GetType().Assembly.Location;
        return location.Length > 0 && File.Exists(location) ? File.GetLastWriteTimeUtc(location) : DateTimeOffset.UnixEpoch;
    }

    private readonly object _dataplaneGate = new();
    private Dataplane.Dataplane? _dataplane;
    private volatile ServiceFileWatcher? _watcher;
    private volatile bool _stopping;

    /// <summary>Calls <paramref name="read"/> with the started data path (EAL up, ports started, workers launched), or null.</summary>
    public T Read<T>(Func<Dataplane.Dataplane?, T> read)
    {
        lock (_dataplaneGate)
            return read(_dataplane);
    }

    /// <summary>Makes the started data path visible to readers.</summary>
    public void Publish(Dataplane.Dataplane dataplane)
    {
        lock (_dataplaneGate)
            _dataplane = dataplane;
    }

    /// <summary>Takes the data path away from readers (waiting for those inside <see cref="Read{T}"/>) so it can be stopped.</summary>
    public Dataplane.Dataplane? Withdraw()
    {
        lock (_dataplaneGate)
        {
            var dataplane = _dataplane;
            _dataplane = null;
            return dataplane;
        }
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
