using System.Runtime.CompilerServices;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Parsing;
using PreDnatAppliance.Pipeline.Runtime.Counters;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Stages;

namespace PreDnatAppliance.Pipeline.Runtime;

/// <summary>
/// One worker's pipeline: its stage instances (in order) and everything they share per worker — the packet state,
/// the parse results, the program runner, the affinity table, the ICMP rate limiter, the mapping between DPDK port
/// ids and configuration indexes. Built once per worker; nothing here is shared with another worker.
/// </summary>
public sealed class WorkerContext
{
    internal WorkerContext(ApplianceRuntime runtime, PipelineContext context, IPipelineClock clock)
    {
        Runtime = runtime;
        Clock = clock;
        Parse = new ParseStage(runtime.Options.ParseBoundsChecks);
        Trace = runtime.Options.Trace ? new PacketTrace() : null;
        Counters = runtime.Counters.CreateWorker();
        State = new PacketState(Parse.Parsed, Trace);
        Affinity = new AffinityTable();
        Conntrack = runtime.Conntrack.CreateWorker();
        Conntrack.DeferNat = true; // the conntrack stage reads a flow's NAT only for packets its forwarding cache does not forward
        ServiceWorker = runtime.Services.RegisterWorker();
        PolicyWorker = runtime.Policies.RegisterWorker();
        Forwarding = new ForwardingCache(runtime.Options.FastPath);
        Forwarding.PrefetchWith(Conntrack);
        RejectLimiter = new TokenBucket(runtime.Configuration.Icmp.RejectRatePerSecond, runtime.Configuration.Icmp.RejectBurst, runtime.Options.TicksPerSecond);

        PortId = new ushort[runtime.Ports.Length];
        PortIndexOfId = new short[context.Ports.Count == 0 ? 1 : context.Ports.Max(p => p.PortId) + 1];
        Array.Fill(PortIndexOfId, (short)-1);
        foreach (var p in runtime.Ports)
        {
            var info = context.Ports.FirstOrDefault(c => c.Name == p.Name)
                ?? throw new ArgumentException($"the data path has no port named '{p.Name}' (configured ports and data path ports must match)");
            PortId[p.Index] = info.PortId;
            PortIndexOfId[info.PortId] = (short)p.Index;
        }

        Stages = new IBurstStage[]
        {
            new ParseStep(this),
            new UntrackedStage(this),
            new ConntrackStage(this),
            new FailsafeStage(this),
            new PreDnatStage(this),
            new DnatStage(this),
            new RoutingStage(this),
            new PolicyStage(this),
            new CommitStage(this),
            new NatStage(this),
            new OutStage(this),
        };
    }

    public ApplianceRuntime Runtime { get; }
    public IPipelineClock Clock { get; }
    public ParseStage Parse { get; }
    public PacketState State { get; }
    public PacketTrace? Trace { get; }

    /// <summary>This worker's counters (written by this worker only).</summary>
    public WorkerCounters Counters { get; }
    public ProgramRunner Programs { get; } = new();
    public AffinityTable Affinity { get; }
    public Conntrack.ConntrackWorker Conntrack { get; }
    public int ServiceWorker { get; }
    public int PolicyWorker { get; }
    public TokenBucket RejectLimiter { get; }

    /// <summary>The established-flow fast path's decisions (per worker).</summary>
    public ForwardingCache Forwarding { get; }

    /// <summary>The table this burst decides with (read once per burst by the DNAT stage, released by the out stage).</summary>
    public ServiceTable? Table;

    /// <summary>The policy this burst decides with (read once per burst by the parse step, released by the out stage).</summary>
    public PolicySnapshot? Policy;

    /// <summary>Configuration index to DPDK port id, and back.</summary>
    public ushort[] PortId { get; }
    public short[] PortIndexOfId { get; }

    public IBurstStage[] Stages { get; }

    public PortModel RxPort => Runtime.Ports[State.RxPort];

    /// <summary>The host endpoint policing the burst's ingress port under this burst's policy, or null.</summary>
    public HostEndpointPrograms? RxHostEndpoint => Policy!.HostEndpointOf(State.RxPort);

    /// <summary>
    /// Starts a burst: the previous burst's references are dead, which is a quiescent point for both the service
    /// table and the policy (so retirement goes on even when a whole burst is dropped before the out stage), then takes
    /// the policy for this burst.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void BeginBurst()
    {
        Table = null;
        Runtime.Services.Quiescent(ServiceWorker);
        Runtime.Policies.Quiescent(PolicyWorker);
        Policy = Runtime.Policies.Current;
    }

    /// <summary>Ends a burst: drops the table and the policy, then reports the quiescent point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EndBurst()
    {
        Table = null;
        Policy = null;
        Runtime.Services.Quiescent(ServiceWorker);
        Runtime.Policies.Quiescent(PolicyWorker);
    }

    /// <summary>The worker goes idle (no bursts for a while): it holds up no retirement until <see cref="Resume"/>.</summary>
    public void GoIdle()
    {
        EndBurst();
        Runtime.Services.Offline(ServiceWorker);
        Runtime.Policies.Offline(PolicyWorker);
    }

    /// <summary>The worker is back from <see cref="GoIdle"/> (before its next burst).</summary>
    public void Resume()
    {
        Runtime.Services.Online(ServiceWorker);
        Runtime.Policies.Online(PolicyWorker);
    }

    /// <summary>
    /// A packet's step as a trace records it: always counted (stage verdict; the rule's hit unless it has none),
    /// traced when tracing is on. <paramref name="rule"/> indexes the policy's rule catalog.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Record(int origin, TraceStage stage, TraceVerdict verdict, uint rule = PolicyRules.NoRule)
    {
        Counters.Verdict(stage, verdict);
        if (rule != PolicyRules.NoRule)
        {
            var slots = Policy!.RuleSlots;
            Counters.RuleHit(stage, rule < (uint)slots.Length ? slots[rule] : 0);
        }
        Trace?.Add(origin, stage, verdict, rule);
    }

    /// <summary>The DNAT stage's step: <paramref name="serviceIndex"/> indexes <see cref="Table"/>'s ports.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void RecordService(int origin, TraceVerdict verdict, int serviceIndex)
    {
        Counters.Verdict(TraceStage.Dnat, verdict);
        var slots = Table!.CounterSlots;
        var slot = (uint)serviceIndex < (uint)slots.Length ? slots[serviceIndex] : 0;
        if (verdict == TraceVerdict.Dnat)
            Counters.ServiceTranslation(slot);
        else
            Counters.ServiceNoBackend(slot);
        Trace?.Add(origin, TraceStage.Dnat, verdict, (uint)serviceIndex);
    }
}
