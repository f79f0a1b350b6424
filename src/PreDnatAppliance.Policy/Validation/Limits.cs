namespace PreDnatAppliance.Policy.Validation;

/// <summary>Calico's size limits (CRD MaxItems/MaxLength and validator constants).</summary>
internal static class Limits
{
    /// <summary>GlobalNetworkPolicySpec ingress/egress MaxItems. NetworkPolicySpec has no such limit.</summary>
    public const int MaxRulesPerDirection = 1024;

    /// <summary>EntityRule ports/notPorts MaxItems.</summary>
    public const int MaxPortsPerList = 50;

    /// <summary>EntityRule nets/notNets MaxItems.</summary>
    public const int MaxNetsPerList = 256;

    /// <summary>MaxLength of every selector field.</summary>
    public const int MaxSelectorLength = 1024;

    /// <summary>FelixConfiguration kubeNodePortRanges: iptables multiport takes 15 ports, a range uses 2.</summary>
    public const int MaxNodePortRanges = 7;

    /// <summary>Kubernetes DNS-1123 subdomain length (most metadata names).</summary>
    public const int MaxSubdomainLength = 253;

    /// <summary>Kubernetes DNS-1123 label length (tier names must fit in a label value).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Linux IFNAMSIZ - 1.</summary>
    public const int MaxInterfaceNameLength = 15;
}
