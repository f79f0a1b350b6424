namespace PreDnatAppliance.PolicyGenerator.Model;

/// <summary>
/// A compiled rule (selectors already resolved to sets, names to numbers), in the fields the matcher tests.
/// Mirrors <c>PreDnatAppliance.Policy.Programs.CompiledRule</c>; <c>Evaluation/RuleMatcher</c> defines what it means.
/// </summary>
internal sealed record RuleSpec
{
    public required RuleRef Id { get; init; }
    public required RuleActionKind Action { get; init; }

    /// <summary><c>file:line</c> of the rule in the policy directory.</summary>
    public required string Location { get; init; }

    /// <summary>The one-line English form (RuleText).</summary>
    public required string Text { get; init; }

    /// <summary>4 or 6 when the rule applies to one family only; 0 for both.</summary>
    public required byte IpVersion { get; init; }

    public required bool NeverMatches { get; init; }

    /// <summary>Protocol number, or null for any.</summary>
    public required byte? Protocol { get; init; }

    public required byte? NotProtocol { get; init; }
    public required IcmpSpec? Icmp { get; init; }
    public required IcmpSpec? NotIcmp { get; init; }
    public required SideSpec Source { get; init; }
    public required SideSpec Destination { get; init; }
}

/// <summary>An ICMP type, and a code or null for every code of the type.</summary>
internal readonly record struct IcmpSpec(byte Type, byte? Code);

/// <summary>An address prefix: <see cref="Low"/> holds an IPv4 address in its low 32 bits.</summary>
internal readonly record struct CidrSpec(byte Version, ulong High, ulong Low, byte PrefixLength, string Text)
{
    public override string ToString() => Text;
}

internal readonly record struct PortRangeSpec(ushort First, ushort Last)
{
    public override string ToString() => First == Last
        ? First.ToString(System.Globalization.CultureInfo.InvariantCulture)
        : First.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Last.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// One side of a rule. Lists are ORed inside and ANDed together; an empty positive list means no constraint.
/// Sets are referred to by ID (their members live once in <see cref="PolicySetSpec"/>).
/// </summary>
internal sealed record SideSpec
{
    public static readonly SideSpec Any = new()
    {
        Nets = EquatableArray<CidrSpec>.Empty,
        NotNets = EquatableArray<CidrSpec>.Empty,
        SetId = null,
        NotSetIds = EquatableArray<string>.Empty,
        Ports = EquatableArray<PortRangeSpec>.Empty,
        NamedPortSetIds = EquatableArray<string>.Empty,
        NotPorts = EquatableArray<PortRangeSpec>.Empty,
        NotNamedPortSetIds = EquatableArray<string>.Empty,
    };

    public required EquatableArray<CidrSpec> Nets { get; init; }
    public required EquatableArray<CidrSpec> NotNets { get; init; }
    public required string? SetId { get; init; }
    public required EquatableArray<string> NotSetIds { get; init; }
    public required EquatableArray<PortRangeSpec> Ports { get; init; }
    public required EquatableArray<string> NamedPortSetIds { get; init; }
    public required EquatableArray<PortRangeSpec> NotPorts { get; init; }
    public required EquatableArray<string> NotNamedPortSetIds { get; init; }

    public bool HasPortMatch => Ports.Count > 0 || NamedPortSetIds.Count > 0;
    public bool HasNotPortMatch => NotPorts.Count > 0 || NotNamedPortSetIds.Count > 0;
}

/// <summary>The addresses a selector resolved to at build time (sorted, de-duplicated).</summary>
internal sealed record IpSetSpec(string Id, string Description, EquatableArray<CidrSpec> Members);

internal readonly record struct NamedPortMemberSpec(CidrSpec Address, byte Protocol, ushort Port);

/// <summary>A named port resolved to (address, protocol, port) members.</summary>
internal sealed record NamedPortSetSpec(string Id, string PortName, string Description, EquatableArray<NamedPortMemberSpec> Members);

/// <summary>
/// A rule as the emitted code sees it: the dense index it writes (its position in the rule catalog, so data-path
/// counters are plain arrays) and the stable RuleId that comments and the catalog show.
/// </summary>
internal readonly record struct RuleRef(uint Index, ulong Id);
