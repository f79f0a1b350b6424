namespace PreDnatAppliance.Policy.Resources;

using PreDnatAppliance.Policy.Diagnostics;

/// <summary>
/// GlobalNetworkPolicy and NetworkPolicy share one spec (Calico's PolicySpec / GlobalNetworkPolicySpec);
/// the GNP-only fields are simply never set on a NetworkPolicy (the reader rejects them there).
/// </summary>
public sealed class PolicyResource : Resource
{
    public PolicyResource(bool isGlobal) => IsGlobal = isGlobal;

    public bool IsGlobal { get; }
    public override ResourceKind Kind => IsGlobal ? ResourceKind.GlobalNetworkPolicy : ResourceKind.NetworkPolicy;

    /// <summary>Null when not written; the tier is then "default".</summary>
    public string? Tier { get; set; }
    public string EffectiveTier => string.IsNullOrEmpty(Tier) ? Tiers.DefaultTierName : Tier!;

    /// <summary>Null when not written: Felix then sorts the policy last (+inf).</summary>
    public double? Order { get; set; }

    public string Selector { get; set; } = string.Empty;

    /// <summary>Null when not written; derived from the rules then (see <see cref="EffectiveTypes"/>).</summary>
    public List<Located<string>>? Types { get; set; }

    public List<Rule> Ingress { get; set; } = new();
    public List<Rule> Egress { get; set; } = new();

    public bool PreDnat { get; set; }
    public bool DoNotTrack { get; set; }
    public bool ApplyOnForward { get; set; }

    /// <summary>GNP only: narrows the policy to workloads in matching namespaces (rewritten with the pcns. prefix).</summary>
    public string NamespaceSelector { get; set; } = string.Empty;

    /// <summary>Narrows the policy to workloads whose service account matches (rewritten with the pcsa. prefix).</summary>
    public string ServiceAccountSelector { get; set; } = string.Empty;

    public List<Located<string>> PerformanceHints { get; set; } = new();

    /// <summary>
    /// Calico's defaulting: explicit types win; otherwise Ingress if there are ingress rules or no rules at all,
    /// Egress if there are egress rules.
    /// </summary>
    public (bool Ingress, bool Egress) EffectiveTypes
    {
        get
        {
            if (Types is not null)
            {
                return (Types.Any(t => string.Equals(t.Value, "Ingress", StringComparison.Ordinal)),
                        Types.Any(t => string.Equals(t.Value, "Egress", StringComparison.Ordinal)));
            }
            var egress = Egress.Count > 0;
            var ingress = Ingress.Count > 0 || !egress;
            return (ingress, egress);
        }
    }
}

/// <summary>One ingress or egress rule (Calico's v3 Rule).</summary>
public sealed class Rule : ModelNode
{
    /// <summary>Allow, Deny, Log or Pass, as written.</summary>
    public string Action { get; set; } = string.Empty;

    public int? IpVersion { get; set; }

    /// <summary>A protocol name or number, as written (an integer YAML scalar arrives as its digits).</summary>
    public Located<string>? Protocol { get; set; }
    public Located<string>? NotProtocol { get; set; }

    public IcmpFields? Icmp { get; set; }
    public IcmpFields? NotIcmp { get; set; }

    public EntityRule Source { get; set; } = new();
    public EntityRule Destination { get; set; } = new();

    /// <summary>The rule had an <c>http</c> match, which only Calico's application-layer policy enforces.</summary>
    public bool HasHttpMatch { get; set; }

    public Dictionary<string, string> Annotations { get; set; } = new(StringComparer.Ordinal);
}

public sealed class IcmpFields : ModelNode
{
    public int? Type { get; set; }
    public int? Code { get; set; }
}

/// <summary>The source or destination half of a rule (Calico's EntityRule).</summary>
public sealed class EntityRule : ModelNode
{
    public List<Located<string>> Nets { get; set; } = new();
    public List<Located<string>> NotNets { get; set; } = new();

    /// <summary>Null when not written.</summary>
    public string? Selector { get; set; }
    public string? NotSelector { get; set; }
    public string? NamespaceSelector { get; set; }

    public ServiceAccountMatch? ServiceAccounts { get; set; }
    public ServiceMatch? Services { get; set; }

    /// <summary>Port items as written: "80", "1000:2000" or a port name.</summary>
    public List<Located<string>> Ports { get; set; } = new();
    public List<Located<string>> NotPorts { get; set; } = new();

    public bool IsEmpty =>
        Nets.Count == 0 && NotNets.Count == 0 && Selector is null && NotSelector is null && NamespaceSelector is null
        && ServiceAccounts is null && Services is null && Ports.Count == 0 && NotPorts.Count == 0;
}

public sealed class ServiceAccountMatch : ModelNode
{
    public List<Located<string>> Names { get; set; } = new();
    public string Selector { get; set; } = string.Empty;
}

public sealed class ServiceMatch : ModelNode
{
    public string Name { get; set; } = string.Empty;
    public string Namespace { get; set; } = string.Empty;
}
