using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Qsbr;
using PreDnatAppliance.Pipeline.Routing;

namespace PreDnatAppliance.Pipeline.Runtime;

/// <summary>
/// Everything the stages read that depends on the policy, as one immutable object published to the workers by QSBR
/// (<see cref="ApplianceRuntime.SwapPolicy"/>): the <see cref="PolicyModel"/> (classifiers, failsafes, workloads, rule
/// catalog), each port's host endpoint programs, and the stable counter slot of each rule. A worker takes the current
/// snapshot once per burst (<see cref="WorkerContext.Policy"/>) and decides the whole burst with it.
/// </summary>
public sealed class PolicySnapshot
{
    private readonly HostEndpointPrograms?[] _hostEndpoints;

    internal PolicySnapshot(long generation, PolicyModel model, HostEndpointPrograms?[] hostEndpointByPort, int[] ruleSlots)
    {
        Generation = generation;
        Model = model;
        _hostEndpoints = hostEndpointByPort;
        RuleSlots = ruleSlots;
        AnyUntrackedEgress = hostEndpointByPort.Any(h => h is { UntrackedOut: >= 0 });
        _workloadPrefixes = new PrefixTable(model.Workloads.SelectMany((w, i) => w.Prefixes.Select(p => (p, i))));
    }

    private readonly PrefixTable _workloadPrefixes;

    /// <summary>Some port's host endpoint has an untracked egress program (else host-originated packets skip that check).</summary>
    public bool AnyUntrackedEgress { get; }

    /// <summary>1 for the policy the runtime started with, +1 per swap.</summary>
    public long Generation { get; }

    public PolicyModel Model { get; }

    public PolicyBuildInfo BuildInfo => Model.Policy.BuildInfo;

    /// <summary>The stable counter slot of each entry of <see cref="PolicyModel.Rules"/>.</summary>
    internal int[] RuleSlots { get; }

    /// <summary>The host endpoint that polices a port (by configuration index), or null.</summary>
    public HostEndpointPrograms? HostEndpointOf(int port) => _hostEndpoints[port];

    /// <summary>The local workload whose addresses contain a destination (the longest such prefix, then the first workload), or -1.</summary>
    public int WorkloadOf(byte version, ulong high, ulong low) => _workloadPrefixes.Lookup(version, high, low);
}

/// <summary>One policy swap and its retirement (the old snapshot is out of use once every online worker passed a quiescent point).</summary>
public sealed class PolicySwap : QsbrRetirement
{
    internal PolicySwap(PolicySnapshot old, PolicySnapshot next, long epoch)
        : base(epoch)
    {
        Old = old;
        New = next;
    }

    public PolicySnapshot Old { get; }
    public PolicySnapshot New { get; }
}

/// <summary>
/// What <see cref="ApplianceRuntime.SwapPolicy"/> did: the new generation, the old and new builds, how long building the
/// snapshot, publishing it and retiring the old one took. <see cref="Retired"/> is false when the workers did not all
/// pass a quiescent point within the timeout: the new policy is live, and the old one retires later
/// (<see cref="ApplianceRuntime.PolicyRetired"/>, <see cref="Swap"/>'s <c>Retirement</c>).
/// </summary>
public sealed record PolicySwapReport(
    long Generation,
    PolicyBuildInfo Old,
    PolicyBuildInfo New,
    TimeSpan BuildDuration,
    TimeSpan PublishDuration,
    TimeSpan RetireDuration,
    bool Retired,
    PolicySwap Swap);
