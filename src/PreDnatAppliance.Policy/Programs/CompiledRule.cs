using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>An ICMP type, optionally with a code (null code matches every code of the type).</summary>
public readonly struct IcmpMatch : IEquatable<IcmpMatch>
{
    public IcmpMatch(byte type, byte? code)
    {
        Type = type;
        Code = code;
    }

    public byte Type { get; }
    public byte? Code { get; }

    public bool Matches(byte type, byte code) => Type == type && (Code is null || Code == code);

    public override string ToString() => Code is null ? $"type {Type}" : $"type {Type} code {Code}";
    public bool Equals(IcmpMatch other) => Type == other.Type && Code == other.Code;
    public override bool Equals(object? obj) => obj is IcmpMatch other && Equals(other);
    public override int GetHashCode() => Type << 9 | (Code ?? 256);
}

/// <summary>
/// One side (source or destination) of a compiled rule. Every list is ORed inside and the lists are ANDed;
/// an empty positive list means "no constraint", an empty negative list means "nothing excluded".
/// </summary>
public sealed class AddressMatch
{
    public static readonly AddressMatch Any = new();

    public IReadOnlyList<Cidr> Nets { get; init; } = Array.Empty<Cidr>();
    public IReadOnlyList<Cidr> NotNets { get; init; } = Array.Empty<Cidr>();

    /// <summary>The positive selector's set; null when the rule has no selector on this side.</summary>
    public IpSet? Set { get; init; }

    /// <summary>Each notSelector's set: the address must be in none of them.</summary>
    public IReadOnlyList<IpSet> NotSets { get; init; } = Array.Empty<IpSet>();

    public IReadOnlyList<PortRange> Ports { get; init; } = Array.Empty<PortRange>();
    public IReadOnlyList<NamedPortSet> NamedPorts { get; init; } = Array.Empty<NamedPortSet>();
    public IReadOnlyList<PortRange> NotPorts { get; init; } = Array.Empty<PortRange>();
    public IReadOnlyList<NamedPortSet> NotNamedPorts { get; init; } = Array.Empty<NamedPortSet>();

    public bool HasPortMatch => Ports.Count > 0 || NamedPorts.Count > 0;
    public bool HasNotPortMatch => NotPorts.Count > 0 || NotNamedPorts.Count > 0;

    public bool IsAny =>
        Nets.Count == 0 && NotNets.Count == 0 && Set is null && NotSets.Count == 0 && !HasPortMatch && !HasNotPortMatch;
}

/// <summary>
/// A rule after resolution: selectors became IP sets, named ports became (IP, protocol, port) sets,
/// protocol names became numbers. This is the unit the reference evaluator and the generator both consume.
/// </summary>
public sealed class CompiledRule
{
    public required RuleId Id { get; init; }
    public required RuleAction Action { get; init; }
    public required SourceLocation Location { get; init; }

    /// <summary>The policy or profile the rule came from, as shown to operators (e.g. <c>default.allow-nodeport</c>).</summary>
    public required string Owner { get; init; }

    public required Direction Direction { get; init; }

    /// <summary>0-based position in the owner's rule list for its direction.</summary>
    public required int Index { get; init; }

    /// <summary>4 or 6 when the rule only applies to one family (ipVersion, CIDR family, ICMP vs ICMPv6).</summary>
    public byte? IpVersion { get; init; }

    /// <summary>True when the rule can never match (e.g. ipVersion contradicts its CIDRs); kept so it still gets a RuleId.</summary>
    public bool NeverMatches { get; init; }

    public byte? Protocol { get; init; }
    public byte? NotProtocol { get; init; }
    public IcmpMatch? Icmp { get; init; }
    public IcmpMatch? NotIcmp { get; init; }

    public AddressMatch Source { get; init; } = AddressMatch.Any;
    public AddressMatch Destination { get; init; } = AddressMatch.Any;

    public override string ToString() => RuleText.Describe(this);
}
