using System.Diagnostics;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Qsbr;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Runtime.Counters;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Stages;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Pipeline.Runtime;

/// <summary>A port as the pipeline sees it (by configuration index): name, role, MAC, addresses (its host endpoint programs are policy: <see cref="PolicySnapshot.HostEndpointOf"/>).</summary>
public sealed class PortModel
{
    public required int Index { get; init; }
    public required string Name { get; init; }
    public required PortRole Role { get; init; }
    public required ulong Mac { get; init; }
    public required IReadOnlyList<(IpPrefix Prefix, ServiceAddress Address)> Addresses { get; init; }

    /// <summary>The first IPv4 address of the port (ARP requests' sender), or 0.</summary>
    public uint ArpSource { get; init; }
}

/// <summary>Supplies the burst clock (once per burst).</summary>
public interface IPipelineClock
{
    long Now();
}

public sealed class StopwatchClock : IPipelineClock
{
    public static readonly StopwatchClock Instance = new();
    public long Now() => Stopwatch.GetTimestamp();
}

/// <summary>How a runtime is built: clock units, tracing, the conntrack hash seed.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Units of the burst clock (Stopwatch ticks live; nanoseconds of pcap time in replay).</summary>
    public long TicksPerSecond { get; init; } = Stopwatch.Frequency;

    /// <summary>Record a per-packet trace (replay, tests).</summary>
    public bool Trace { get; init; }

    /// <summary>Conntrack's hash seed; 0 picks a random one (live). Replay fixes it so that runs are identical.</summary>
    public ulong ConntrackHashSeed { get; init; }

    /// <summary>Distinct RuleIds the rule counters can tell apart over the runtime's life (later ones count in the overflow slot).</summary>
    public int RuleCounterSlots { get; init; } = 16384;

    /// <summary>Distinct service ports (namespace, name, port, protocol) the service counters can tell apart over the runtime's life.</summary>
    public int ServiceCounterSlots { get; init; } = 4096;

    /// <summary>The parse stage asserts every read lies inside the frame (the Debug default; fuzz tests turn it on in any build).</summary>
    public bool ParseBoundsChecks { get; init; } = Parsing.ParseStage.DefaultBoundsChecked;

    /// <summary>Forward established flows from their cached forwarding decision (<see cref="Stages.ForwardingCache"/>); off only to compare against the full stages.</summary>
    public bool FastPath { get; init; } = true;
}

/// <summary>
/// Everything the workers share, built once at start from the configuration, the policy and the services: ports,
/// routes, neighbours, node addresses, the policy model, the service table holder (and conntrack). It builds each
/// worker's stages through <see cref="CreateStages"/>, which is a <see cref="PipelineFactory"/> for the DPDK data
/// path and what <see cref="Offline.ReplayEngine"/> uses offline: the same stage code either way.
/// </summary>
public sealed class ApplianceRuntime : IDisposable
{
    private ApplianceRuntime(ApplianceConfiguration configuration, PortModel[] ports, RouteTable routes,
        ServiceAddress[] hostAddresses, NeighbourTable neighbours, ServiceTableHolder services, int kernelPort, RuntimeOptions options,
        ConntrackTable conntrack, PipelineCounterSet counters, IReadOnlyDictionary<string, IReadOnlyList<IpAddress>> interfaces, PolicyModel policy)
    {
        Conntrack = conntrack;
        Counters = counters;
        _interfaces = interfaces;
        Policies = new QsbrPublisher<PolicySnapshot, PolicySwap>(Snapshot(1, policy, ports, counters));
        Policies.Retired += swap => PolicyRetired?.Invoke(swap);
        Configuration = configuration;
        Ports = ports;
        Routes = routes;
        HostAddresses = hostAddresses;
        Neighbours = neighbours;
        Services = services;
        KernelPort = kernelPort;
        Options = options;
        PortIndexByName = ports.ToDictionary(p => p.Name, p => p.Index, StringComparer.Ordinal);
        _hostAddressSet = new AddressSet(hostAddresses);
    }

    private readonly AddressSet _hostAddressSet;

    public ApplianceConfiguration Configuration { get; }

    /// <summary>The policy workers take once per burst (<see cref="WorkerContext.Policy"/>); swapped by <see cref="SwapPolicy"/>.</summary>
    internal QsbrPublisher<PolicySnapshot, PolicySwap> Policies { get; }

    /// <summary>The policy in force now (for the control side and debug endpoints; a worker decides a burst with the snapshot it took).</summary>
    public PolicySnapshot CurrentPolicy => Policies.Current;

    /// <summary>The current policy's model (control side).</summary>
    public PolicyModel Policy => Policies.Current.Model;

    /// <summary>Raised on the control thread when a swapped-out policy snapshot is out of use by every worker.</summary>
    public event Action<PolicySwap>? PolicyRetired;

    private readonly IReadOnlyDictionary<string, IReadOnlyList<IpAddress>> _interfaces;
    private readonly object _swapLock = new();

    /// <summary>Every worker's pipeline counters (stage verdicts, rule and service hits, rejects, punts) and their sum.</summary>
    public PipelineCounterSet Counters { get; }

    /// <summary>Ports in configuration order (a stage's "port index").</summary>
    public PortModel[] Ports { get; }
    public IReadOnlyDictionary<string, int> PortIndexByName { get; }
    public RouteTable Routes { get; }

    /// <summary>Destinations that are the host itself: node addresses, port addresses, host endpoints' expectedIPs.</summary>
    public ServiceAddress[] HostAddresses { get; }
    public NeighbourTable Neighbours { get; }
    public ServiceTableHolder Services { get; }

    /// <summary>The flow table every worker shares.</summary>
    public ConntrackTable Conntrack { get; }

    /// <summary>UDP flows purged because their backend went away (after the old service table retired).</summary>
    public long PurgedUdpFlows => Interlocked.Read(ref _purgedUdpFlows);

    private long _purgedUdpFlows;

    /// <summary>The kernel (TAP) port's index, or -1.</summary>
    public int KernelPort { get; }
    public RuntimeOptions Options { get; }

    /// <summary>
    /// Builds the runtime. <paramref name="compiled"/> is the policy directory compiled for the configured node with
    /// the Policy library (the stopgap source of endpoint metadata, checked against <paramref name="policy"/>).
    /// </summary>
    public static ApplianceRuntime Create(ApplianceConfiguration configuration, ICompiledPolicy policy, CompiledPolicySet compiled,
        ServiceCatalog services, RuntimeOptions? options = null, string sourceName = "configuration")
    {
        options ??= new RuntimeOptions();
        configuration.ThrowIfInvalid(sourceName);
        var node = configuration.Node.Name;

        var ports = new List<PortModel>();
        var interfaces = new Dictionary<string, IReadOnlyList<IpAddress>>(StringComparer.Ordinal);
        foreach (var (p, i) in configuration.Dataplane.Ports.Select((p, i) => (p, i)))
        {
            var addresses = p.Addresses.Select(a => IpPrefix.TryParse(a, out var prefix, out var address) ? (prefix, address) : default).ToList();
            if (p.Role != PortRole.Kernel)
                interfaces[p.Name] = addresses.Select(a => new IpAddress(a.address.Version, a.address.High, a.address.Low)).ToList();
            ports.Add(new PortModel
            {
                Index = i,
                Name = p.Name,
                Role = p.Role,
                Mac = MacAddress.TryParse(p.Mac, out var mac) ? mac : 0,
                Addresses = addresses,
                ArpSource = addresses.Where(a => a.address.Version == 4).Select(a => (uint)a.address.Low).FirstOrDefault(),
            });
        }
        var model = PolicyModel.Build(policy, compiled, node, interfaces);
        var portModels = ports.ToArray();
        var indexByName = portModels.ToDictionary(p => p.Name, p => p.Index, StringComparer.Ordinal);

        var routes = new List<Route>();
        foreach (var r in configuration.Routes)
        {
            IpPrefix.TryParse(r.Prefix, out var prefix, out _);
            ServiceAddress via = default;
            var hasVia = r.Via is { } v && ServiceAddress.TryParse(v, out via);
            routes.Add(new Route(prefix, indexByName[r.Port], hasVia, via.High, via.Low));
        }
        foreach (var p in portModels)
            foreach (var (prefix, _) in p.Addresses)
                routes.Add(new Route(prefix, p.Index, false, 0, 0));

        var identity = configuration.NodeIdentity();
        var hostAddresses = identity.Addresses
            .Concat(portModels.SelectMany(p => p.Addresses.Select(a => a.Address)))
            .Concat(model.HostEndpointAddresses)
            .Where(a => a.IsValid).Distinct().ToArray();

        var neighbours = new NeighbourTable();
        foreach (var n in configuration.Neighbours)
        {
            var ip = ServiceAddress.Parse(n.Ip);
            MacAddress.TryParse(n.Mac, out var mac);
            neighbours.Set(ip.Version, ip.High, ip.Low, mac, isStatic: true);
        }
        AddWorkloadNeighbours(neighbours, model);

        var table = ServiceTableBuilder.Build(services, identity, configuration.ServiceOptions(options.TicksPerSecond));
        var counters = new PipelineCounterSet(options.ServiceCounterSlots, options.RuleCounterSlots);
        table.CounterSlots = counters.ServiceSlotsOf(table);
        var holder = new ServiceTableHolder(table);
        holder.Publishing += next => next.CounterSlots = counters.ServiceSlotsOf(next);
        var kernelName = configuration.ResolveKernelPort();
        var kernel = kernelName is null ? -1 : indexByName[kernelName];
        var conntrack = new ConntrackTable(new ConntrackOptions
        {
            Capacity = configuration.Conntrack.Capacity,
            TcpLoosePickup = configuration.Conntrack.TcpLoosePickup,
            TicksPerSecond = options.TicksPerSecond,
            HashSeed = options.ConntrackHashSeed,
        });
        var runtime = new ApplianceRuntime(configuration, portModels, new RouteTable(routes), hostAddresses, neighbours, holder, kernel, options, conntrack,
            counters, interfaces, model);
        holder.Retired += runtime.PurgeRemovedBackends;
        return runtime;
    }

    /// <summary>Whether a destination is the host itself.</summary>
    public bool IsHost(byte version, ulong high, ulong low) => _hostAddressSet.Contains(version, high, low);

    /// <summary>A <see cref="PipelineFactory"/> for the DPDK data path (Stopwatch clock).</summary>
    public PipelineFactory Factory => context => CreateWorker(context, StopwatchClock.Instance).Stages;

    /// <summary>One worker's stages and state for a pipeline context (ports matched by name).</summary>
    public WorkerContext CreateWorker(PipelineContext context, IPipelineClock clock) => new(this, context, clock);

    public IReadOnlyList<IBurstStage> CreateStages(PipelineContext context, IPipelineClock clock) => CreateWorker(context, clock).Stages;

    private static void AddWorkloadNeighbours(NeighbourTable neighbours, PolicyModel model)
    {
        foreach (var w in model.Workloads.Where(w => w.Mac != 0))
            foreach (var prefix in w.Prefixes.Where(p => p.Length == (p.Version == 4 ? 32 : 128)))
                neighbours.Set(prefix.Version, prefix.High, prefix.Low, w.Mac, isStatic: true);
    }

    private static PolicySnapshot Snapshot(long generation, PolicyModel model, PortModel[] ports, PipelineCounterSet counters) =>
        new(generation, model, ports.Select(p => p.Role == PortRole.Kernel ? null : model.HostEndpointOf(p.Name)).ToArray(), counters.RuleSlotsOf(model.Rules));

    /// <summary>
    /// Replaces the running policy between bursts: builds the new <see cref="PolicyModel"/> (a
    /// <see cref="PolicyMismatchException"/> or another validation error throws, and the running policy stays),
    /// publishes it, and waits until every online worker passed a quiescent point (<paramref name="retireTimeout"/>,
    /// default 10 s), when the old snapshot is retired (<see cref="PolicyRetired"/>). Flows in conntrack keep flowing
    /// (their packets skip policy); new flows follow the new policy from each worker's next burst. Calls are serialised.
    /// The host addresses the policy contributes (host endpoints' expectedIPs) are fixed at start: a policy that
    /// changes them is refused.
    /// </summary>
    public PolicySwapReport SwapPolicy(ICompiledPolicy policy, CompiledPolicySet compiled, TimeSpan? retireTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(compiled);
        lock (_swapLock)
        {
            var clock = Stopwatch.StartNew();
            var current = Policies.Current;
            var model = PolicyModel.Build(policy, compiled, Configuration.Node.Name, _interfaces);
            if (!model.HostEndpointAddresses.ToHashSet().SetEquals(current.Model.HostEndpointAddresses))
                throw new InvalidOperationException("the new policy changes the host endpoints' expectedIPs (host addresses are fixed at start): restart the appliance to apply it");
            var next = Snapshot(current.Generation + 1, model, Ports, Counters);
            AddWorkloadNeighbours(Neighbours, model);
            var built = clock.Elapsed;
            var swap = Policies.Publish(next, static (old, n, epoch) => new PolicySwap(old, n, epoch));
            var published = clock.Elapsed;
            var retired = Policies.WaitForQuiescence(swap.Epoch, retireTimeout ?? TimeSpan.FromSeconds(10));
            return new PolicySwapReport(next.Generation, current.BuildInfo, next.BuildInfo, built, published - built, clock.Elapsed - published,
                retired, swap);
        }
    }

    /// <summary>Retires swapped-out policies that every worker has passed since (after a <see cref="SwapPolicy"/> that timed out); returns how many.</summary>
    public int ProcessPolicyRetirements() => Policies.ProcessRetirements();

    /// <summary>
    /// Removing a backend purges its UDP flows (TCP flows end by themselves; UDP ones would keep going to the dead
    /// backend). Called when the old table retired: every worker has passed a quiescent point since the swap, so none
    /// can still create a flow to the removed backend from the old table.
    /// </summary>
    private void PurgeRemovedBackends(ServiceSwap swap)
    {
        foreach (var removed in swap.RemovedBackends)
            if (removed.Protocol == ServiceProtocol.Udp)
                Interlocked.Add(ref _purgedUdpFlows, Conntrack.PurgeBackend(17, removed.Address.Version, removed.Address.High, removed.Address.Low, removed.Port));
    }

    /// <summary>
    /// Watches a services file and swaps the table on change (<see cref="ServiceFileWatcher"/>; call <c>Start</c>);
    /// retired tables trigger the UDP purge above.
    /// </summary>
    public ServiceFileWatcher WatchServices(string path, Action<string>? log = null) =>
        new(path, Services, Configuration.NodeIdentity(), Configuration.ServiceOptions(Options.TicksPerSecond), log,
            TimeSpan.FromMilliseconds(Configuration.Services.PollIntervalMs), TimeSpan.FromMilliseconds(Configuration.Services.DebounceMs));

    public void Dispose()
    {
        Services.Retired -= PurgeRemovedBackends;
        Conntrack.Dispose();
        Counters.Dispose();
    }
}
