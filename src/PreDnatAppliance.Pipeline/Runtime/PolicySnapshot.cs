using PreDnatAppliance.Classification;
using PreDnatAppliance.Pipeline.Qsbr;

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
    }

    /// <summary>1 for the policy the runtime started with, +1 per swap.</summary>
    public long Generation { get; }

    public PolicyModel Model { get; }

    public PolicyBuildInfo BuildInfo => Model.Policy.BuildInfo;

    /// <summary>The stable counter slot of each entry of <see cref="PolicyModel.Rules"/>.</summary>
    internal int[] RuleSlots { get; }

    /// <summary>The host endpoint that polices a port (by configuration index), or null.</summary>
    public HostEndpointPrograms? HostEndpointOf(int port) => _hostEndpoints[port];

    /// <summary>The local workload whose addresses contain a destination, or -1.</summary>
    public int WorkloadOf(byte version, ulong high, ulong low)
    {
        var workloads = Model.Workloads;
        for (var w = 0; w < workloads.Length; w++)
        {
            var prefixes = workloads[w].Prefixes;
            for (var k = 0; k < prefixes.Count; k++)
                if (prefixes[k].Contains(version, high, low))
                    return w;
        }
        return -1;
    }
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
