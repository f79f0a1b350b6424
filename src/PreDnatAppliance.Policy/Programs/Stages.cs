namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// Where a program runs, in iptables stage order: raw (untracked), mangle PREROUTING (pre-DNAT),
/// filter INPUT/OUTPUT (normal host), filter FORWARD (applyOnForward host), and the workload chains.
/// </summary>
public enum PolicyStage
{
    Untracked,
    PreDnat,
    Normal,
    Forward,
    Workload,
}

public enum Direction
{
    Ingress,
    Egress,
}

public enum RuleAction
{
    Allow,
    Deny,
    Log,
    Pass,
}

/// <summary>What a program says when no rule, tier end or profile decided.</summary>
public enum ProgramEnd
{
    /// <summary>Untracked and pre-DNAT: the packet moves on to the next stage.</summary>
    NoDecision,

    /// <summary>Normal host and workload programs: profiles, then "drop if no profiles matched".</summary>
    DenyAfterProfiles,

    /// <summary>Forward programs: allowed once every tier passed or when no applyOnForward policy applies.</summary>
    Allow,
}

public static class StageNames
{
    public static string Of(PolicyStage stage) => stage switch
    {
        PolicyStage.Untracked => "untracked",
        PolicyStage.PreDnat => "prednat",
        PolicyStage.Normal => "host",
        PolicyStage.Forward => "forward",
        PolicyStage.Workload => "workload",
        _ => stage.ToString().ToLowerInvariant(),
    };

    public static string Of(Direction direction) => direction == Direction.Ingress ? "ingress" : "egress";
}
