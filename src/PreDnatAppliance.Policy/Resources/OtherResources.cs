namespace PreDnatAppliance.Policy.Resources;

using PreDnatAppliance.Policy.Diagnostics;

public sealed class Profile : Resource
{
    public override ResourceKind Kind => ResourceKind.Profile;

    public List<Rule> Ingress { get; set; } = new();
    public List<Rule> Egress { get; set; } = new();

    /// <summary>Labels that every endpoint carrying this profile inherits for selector matching.</summary>
    public Dictionary<string, string> LabelsToApply { get; set; } = new(StringComparer.Ordinal);
}

public sealed class Tier : Resource
{
    public override ResourceKind Kind => ResourceKind.Tier;

    /// <summary>Null sorts last.</summary>
    public double? Order { get; set; }

    /// <summary>Deny or Pass as written; null means Deny.</summary>
    public string? DefaultAction { get; set; }
}

/// <summary>The tiers Calico creates itself, with their fixed orders and defaults.</summary>
public static class Tiers
{
    public const string DefaultTierName = "default";
    public const double DefaultTierOrder = 1_000_000;
    public const string KubeAdminTierName = "kube-admin";
    public const double KubeAdminTierOrder = 1_000;
    public const string KubeBaselineTierName = "kube-baseline";
    public const double KubeBaselineTierOrder = 10_000_000;
}

/// <summary>GlobalNetworkSet (cluster-scoped) and NetworkSet (namespaced): labelled CIDR lists that selectors match.</summary>
public sealed class NetworkSet : Resource
{
    public NetworkSet(bool isGlobal) => IsGlobal = isGlobal;

    public bool IsGlobal { get; }
    public override ResourceKind Kind => IsGlobal ? ResourceKind.GlobalNetworkSet : ResourceKind.NetworkSet;

    public List<Located<string>> Nets { get; set; } = new();
    public List<Located<string>> AllowedEgressDomains { get; set; } = new();
}

/// <summary>A failsafe entry (Calico's ProtoPort).</summary>
public sealed class ProtoPort : ModelNode
{
    /// <summary>As written; Calico's default is TCP.</summary>
    public string Protocol { get; set; } = "TCP";
    public int Port { get; set; }

    /// <summary>Optional CIDR: the source for inbound entries, the destination for outbound ones.</summary>
    public string? Net { get; set; }
}

/// <summary>FelixConfiguration: the appliance uses the failsafe ports; other known fields are accepted and ignored.</summary>
public sealed class FelixConfiguration : Resource
{
    public override ResourceKind Kind => ResourceKind.FelixConfiguration;

    /// <summary>Null when not written (Calico's defaults apply); an empty list disables inbound failsafes.</summary>
    public List<ProtoPort>? FailsafeInboundHostPorts { get; set; }
    public List<ProtoPort>? FailsafeOutboundHostPorts { get; set; }

    /// <summary>KubeNodePortRanges as written ("30000:32767"); null when not written.</summary>
    public List<Located<string>>? KubeNodePortRanges { get; set; }
}
