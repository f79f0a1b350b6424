using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>A policy as it applies inside one tier of one program.</summary>
public sealed class ProgramPolicy
{
    public required string Name { get; init; }
    public required ResourceKind Kind { get; init; }
    public string? Namespace { get; init; }
    public double? Order { get; init; }
    public required SourceLocation Location { get; init; }
    public required IReadOnlyList<CompiledRule> Rules { get; init; }
}

/// <summary>A tier's policies for one program, and what happens when none of them decides.</summary>
public sealed class ProgramTier
{
    public required string Name { get; init; }
    public required IReadOnlyList<ProgramPolicy> Policies { get; init; }

    /// <summary>Deny, or Pass (forced for untracked and pre-DNAT programs, or the tier's defaultAction).</summary>
    public required RuleAction EndAction { get; init; }

    /// <summary>The synthetic rule that stands for the tier's end, so that its drops are counted and explained.</summary>
    public required RuleId EndRuleId { get; init; }
}

public sealed class ProgramProfile
{
    public required string Name { get; init; }
    public required SourceLocation Location { get; init; }
    public required IReadOnlyList<CompiledRule> Rules { get; init; }
}

/// <summary>
/// Everything one endpoint enforces in one stage and direction, flattened in evaluation order:
/// tiers (policies by order then name, rules in order), then profiles where the stage has them, then the end.
/// </summary>
public sealed class EndpointProgram
{
    public required EndpointRef Endpoint { get; init; }
    public required PolicyStage Stage { get; init; }
    public required Direction Direction { get; init; }
    public required IReadOnlyList<ProgramTier> Tiers { get; init; }

    /// <summary>Null for stages without profiles (untracked, pre-DNAT, forward).</summary>
    public IReadOnlyList<ProgramProfile>? Profiles { get; init; }

    public required ProgramEnd End { get; init; }

    /// <summary>The synthetic rule for <see cref="End"/> (profile drop, forward default allow, or no decision).</summary>
    public required RuleId EndRuleId { get; init; }

    /// <summary>Stable name, e.g. <c>hep/node1-eth0/prednat/ingress</c>.</summary>
    public string Key => $"{Endpoint.Key}/{StageNames.Of(Stage)}/{StageNames.Of(Direction)}";

    public IEnumerable<CompiledRule> AllRules =>
        Tiers.SelectMany(t => t.Policies).SelectMany(p => p.Rules)
            .Concat(Profiles?.SelectMany(p => p.Rules) ?? Enumerable.Empty<CompiledRule>());
}

/// <summary>Which endpoint a program belongs to.</summary>
public sealed class EndpointRef : IEquatable<EndpointRef>
{
    public EndpointRef(ResourceKind kind, string name, string? @namespace, string node, string interfaceName, SourceLocation location)
    {
        Kind = kind;
        Name = name;
        Namespace = @namespace;
        Node = node;
        InterfaceName = interfaceName;
        Location = location;
    }

    public ResourceKind Kind { get; }
    public string Name { get; }
    public string? Namespace { get; }
    public string Node { get; }
    public string InterfaceName { get; }
    public SourceLocation Location { get; }

    public bool IsHost => Kind == ResourceKind.HostEndpoint;

    public string Key => IsHost ? $"hep/{Name}" : $"wep/{Namespace}/{Name}";

    public bool Equals(EndpointRef? other) => other is not null && Key == other.Key;
    public override bool Equals(object? obj) => Equals(obj as EndpointRef);
    public override int GetHashCode() => Key.GetHashCode();
    public override string ToString() => Key;
}
