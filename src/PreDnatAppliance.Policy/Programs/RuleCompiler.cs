using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Selectors;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// Turns one validated v3 rule into a <see cref="CompiledRule"/>: protocol names to numbers, the rule's
/// IP family worked out as Felix's FilterRuleToIPVersion does, selectors to IP sets, named ports to sets.
/// </summary>
public sealed class RuleCompiler
{
    private readonly SetRegistry _sets;
    private readonly RuleIdAllocator _ids;

    public RuleCompiler(SetRegistry sets, RuleIdAllocator ids)
    {
        _sets = sets;
        _ids = ids;
    }

    /// <param name="ownerKey">Identity of the policy or profile, e.g. <c>GlobalNetworkPolicy/allow-nodeport</c>.</param>
    /// <param name="ownerName">The name operators see.</param>
    /// <param name="policyNamespace">The namespace of a NetworkPolicy; null for global policies and profiles.</param>
    public CompiledRule Compile(Rule rule, string ownerKey, string ownerName, string? policyNamespace, Direction direction, int index)
    {
        byte? protocol = ParseProtocol(rule.Protocol);
        byte? notProtocol = ParseProtocol(rule.NotProtocol);

        byte? version = rule.IpVersion is 4 or 6 ? (byte)rule.IpVersion.Value : null;
        // Felix's ipVersionToProtoIPVersion infers the family from the protocol name only ("icmp"/"icmpv6"
        // after the v1 conversion); a protocol written as the number 1 or 58 leaves the rule in both families.
        version ??= rule.Protocol?.Value switch
        {
            { } name when string.Equals(name, "ICMP", StringComparison.OrdinalIgnoreCase) => 4,
            { } name when string.Equals(name, "ICMPv6", StringComparison.OrdinalIgnoreCase) => 6,
            _ => null,
        };
        var cidrLists = new[] { rule.Source.Nets, rule.Source.NotNets, rule.Destination.Nets, rule.Destination.NotNets }
            .Select(list => list.Select(n => Cidr.TryParse(n.Value, out var c) ? c : (Cidr?)null).Where(c => c is not null).Select(c => c!.Value).ToList())
            .ToArray();
        version ??= cidrLists.SelectMany(l => l).Select(c => (byte?)c.Version).FirstOrDefault();

        var neverMatches = false;
        var filtered = new List<Cidr>[4];
        for (var i = 0; i < 4; i++)
        {
            filtered[i] = version is null ? cidrLists[i] : cidrLists[i].Where(c => c.Version == version).ToList();
            // Felix drops a rule for a family when filtering empties one of its CIDR fields, and drops a
            // negated catch-all outright rather than render a contradiction.
            if (cidrLists[i].Count > 0 && filtered[i].Count == 0)
                neverMatches = true;
            if (i % 2 == 1 && filtered[i].Any(c => c.IsCatchAll))
                neverMatches = true;
        }

        return new CompiledRule
        {
            Id = _ids.For(RuleIdAllocator.PolicyRuleKey(ownerKey, direction, index)),
            Action = ParseAction(rule.Action),
            Location = rule.Location,
            Owner = ownerName,
            Direction = direction,
            Index = index,
            IpVersion = version,
            NeverMatches = neverMatches,
            Protocol = protocol,
            NotProtocol = notProtocol,
            Icmp = ToIcmp(rule.Icmp),
            NotIcmp = ToIcmp(rule.NotIcmp),
            Source = CompileSide(rule.Source, filtered[0], filtered[1], policyNamespace, protocol),
            Destination = CompileSide(rule.Destination, filtered[2], filtered[3], policyNamespace, protocol),
        };
    }

    private AddressMatch CompileSide(EntityRule entity, List<Cidr> nets, List<Cidr> notNets, string? policyNamespace, byte? protocol)
    {
        var positive = PositiveScope(entity, policyNamespace);
        var notSets = entity.NotSelector is { Length: > 0 } notSelector
            ? new[] { _sets.IpSetFor(EntityScope.Labels(Selector.Parse(notSelector))) }
            : Array.Empty<IpSet>();

        var (ports, named) = SplitPorts(entity.Ports, positive, protocol);
        var (notPorts, notNamed) = SplitPorts(entity.NotPorts, positive, protocol);
        return new AddressMatch
        {
            Nets = nets,
            NotNets = notNets,
            Set = positive is null ? null : _sets.IpSetFor(positive),
            NotSets = notSets,
            Ports = ports,
            NamedPorts = named,
            NotPorts = notPorts,
            NotNamedPorts = notNamed,
        };
    }

    /// <summary>Felix's getEndpointSelector: null when the side has no positive selector at all.</summary>
    private static EntityScope? PositiveScope(EntityRule entity, string? policyNamespace)
    {
        EntityScope? nsScope = null;
        if (!string.IsNullOrEmpty(entity.NamespaceSelector))
            nsScope = EntityScope.NamespaceSelector(Selector.Parse(entity.NamespaceSelector));
        else if (policyNamespace is not null)
            nsScope = EntityScope.InNamespace(policyNamespace);

        var selectors = new List<EntityScope>();
        if (entity.ServiceAccounts is { } sa)
            selectors.Add(EntityScope.ServiceAccounts(
                string.IsNullOrEmpty(sa.Selector) ? null : Selector.Parse(sa.Selector),
                sa.Names.Select(n => n.Value).ToList()));
        if (!string.IsNullOrEmpty(entity.Selector))
            selectors.Add(EntityScope.Labels(Selector.Parse(entity.Selector)));

        EntityScope? selector = selectors.Count == 0 ? null : EntityScope.AndAll(selectors);
        var anySelectorField = selector is not null || !string.IsNullOrEmpty(entity.NotSelector) || !string.IsNullOrEmpty(entity.NamespaceSelector);
        if (nsScope is not null && anySelectorField)
            return selector is null ? nsScope : nsScope.And(selector);
        return selector;
    }

    private (IReadOnlyList<PortRange>, IReadOnlyList<NamedPortSet>) SplitPorts(List<Located<string>> items, EntityScope? positive, byte? protocol)
    {
        var ranges = new List<PortRange>();
        var named = new List<NamedPortSet>();
        foreach (var item in items)
        {
            if (!PortSpec.TryParse(item.Value, out var spec, out _))
                continue;
            if (spec.IsNamed)
                named.Add(_sets.NamedPortSetFor(spec.Name!, positive ?? EntityScope.Everything, protocol));
            else
                ranges.Add(spec.Range);
        }
        return (ranges, named);
    }

    private static byte? ParseProtocol(Located<string>? text) =>
        text is { } t && IpProtocol.TryParse(t.Value, out var p) ? p : null;

    private static IcmpMatch? ToIcmp(IcmpFields? fields) =>
        fields?.Type is int type ? new IcmpMatch((byte)type, fields.Code is int code ? (byte)code : null) : null;

    public static RuleAction ParseAction(string action) => action switch
    {
        "Allow" => RuleAction.Allow,
        "Deny" => RuleAction.Deny,
        "Log" => RuleAction.Log,
        "Pass" => RuleAction.Pass,
        _ => throw new ArgumentException($"unvalidated rule action '{action}'", nameof(action)),
    };
}
