namespace PreDnatAppliance.PolicyGenerator.Model;

internal enum RuleActionKind
{
    Allow,
    Deny,
    Log,
    Pass,
}

internal enum ProgramEndKind
{
    /// <summary>Untracked and pre-DNAT: no decision, the packet goes on to the next stage.</summary>
    NoDecision,

    /// <summary>Forward programs: allow.</summary>
    Allow,

    /// <summary>Normal host and workload programs: drop if no profile matched.</summary>
    DenyAfterProfiles,
}

/// <summary>
/// How the emitter turns a program into code. The choice is made per program from its shape
/// (<see cref="PolicyGenerator.ChooseStrategy"/>).
/// </summary>
internal enum ClassifierStrategy
{
    /// <summary>Every rule in order, tested on a whole burst at once with Vector512/Vector256 lane masks.</summary>
    LinearVector,

    /// <summary>
    /// IPv4 lanes through a classifier table built at compile time (bit-vector decomposition, see
    /// <c>PreDnatAppliance.ClassifierTables</c>); IPv6 and non-IP lanes through the scalar evaluators.
    /// </summary>
    Table,
}

/// <summary>One per-endpoint program: who it belongs to, and its body.</summary>
internal sealed record ProgramSpec
{
    /// <summary>e.g. <c>hep/node1-eth0/prednat/ingress</c>.</summary>
    public required string Key { get; init; }

    /// <summary>The generated class, e.g. <c>Program_hep_node1_eth0__prednat__ingress</c>; unique within the set.</summary>
    public required string TypeName { get; init; }

    /// <summary>HostEndpoint or WorkloadEndpoint.</summary>
    public required string EndpointKind { get; init; }

    /// <summary>name, or namespace/name for a workload endpoint.</summary>
    public required string EndpointName { get; init; }

    public required string Node { get; init; }
    public required string InterfaceName { get; init; }
    public required string EndpointLocation { get; init; }

    /// <summary>untracked, prednat, host, forward or workload.</summary>
    public required string Stage { get; init; }

    /// <summary>ingress or egress.</summary>
    public required string Direction { get; init; }

    public required ClassifierStrategy Strategy { get; init; }

    public required ProgramBodySpec Body { get; init; }
}

/// <summary>
/// What a program does, apart from whose it is. Programs with equal bodies (typically every host endpoint that
/// the same policies select) share one implementation.
/// </summary>
internal sealed record ProgramBodySpec
{
    public required EquatableArray<TierSpec> Tiers { get; init; }

    /// <summary>False for stages without profiles (untracked, pre-DNAT, forward).</summary>
    public required bool HasProfiles { get; init; }

    public required EquatableArray<ProfileSpec> Profiles { get; init; }

    public required ProgramEndKind End { get; init; }
    public required RuleRef EndRuleId { get; init; }

    public int RuleCount => Tiers.Sum(t => t.Policies.Sum(p => p.Rules.Count)) + Profiles.Sum(p => p.Rules.Count);
}

internal sealed record TierSpec
{
    public required string Name { get; init; }
    public required EquatableArray<PolicySpec> Policies { get; init; }

    /// <summary>Deny or Pass.</summary>
    public required RuleActionKind EndAction { get; init; }

    public required RuleRef EndRuleId { get; init; }
}

internal sealed record PolicySpec
{
    /// <summary>As operators see it: name for a GlobalNetworkPolicy, namespace/name for a NetworkPolicy.</summary>
    public required string Name { get; init; }

    /// <summary>The order as written (invariant culture), or "none".</summary>
    public required string Order { get; init; }

    public required string Location { get; init; }
    public required EquatableArray<RuleSpec> Rules { get; init; }
}

internal sealed record ProfileSpec
{
    public required string Name { get; init; }
    public required string Location { get; init; }
    public required EquatableArray<RuleSpec> Rules { get; init; }
}
