using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>A rule as listed in the catalog: every RuleId the policy set can report, with where it came from.</summary>
public sealed class RuleInfo
{
    public required RuleId Id { get; init; }

    /// <summary>The policy, profile or synthetic owner (e.g. <c>tier default</c>, <c>failsafe</c>).</summary>
    public required string Owner { get; init; }

    public required string Description { get; init; }
    public required SourceLocation Location { get; init; }
}

/// <summary>The result of compiling a policy set: one program per (endpoint, stage, direction), the sets they use, and the rule catalog.</summary>
public sealed class CompiledPolicySet
{
    public required IReadOnlyList<EndpointProgram> Programs { get; init; }
    public required IReadOnlyList<IpSet> IpSets { get; init; }
    public required IReadOnlyList<NamedPortSet> NamedPortSets { get; init; }
    public required IReadOnlyList<FailsafeRule> Failsafes { get; init; }
    public required IReadOnlyDictionary<RuleId, RuleInfo> Rules { get; init; }
    public required IReadOnlyList<HostEndpoint> HostEndpoints { get; init; }
    public required IReadOnlyList<WorkloadEndpoint> WorkloadEndpoints { get; init; }
    public required IReadOnlyList<PolicyDiagnostic> Diagnostics { get; init; }

    /// <summary>The node the set was compiled for, or null when compiled for every node.</summary>
    public string? Node { get; init; }

    public EndpointProgram? Find(EndpointRef endpoint, PolicyStage stage, Direction direction) =>
        Programs.FirstOrDefault(p => p.Endpoint.Equals(endpoint) && p.Stage == stage && p.Direction == direction);
}
