using System.Diagnostics;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>How the appliance turns Services into frontends and chooses backends (the appliance configuration).</summary>
public sealed record ServiceTableOptions
{
    /// <summary>The NodePort range (kube-apiserver's --service-node-port-range); a node port outside it rejects the file.</summary>
    public int NodePortMin { get; init; } = 30000;
    public int NodePortMax { get; init; } = 32767;

    /// <summary>
    /// SNAT to the node IP when a frontend under externalTrafficPolicy (or internalTrafficPolicy) Cluster picks a
    /// backend on another node, so that replies come back through this appliance (kube-proxy's masquerade). On by
    /// default. Off keeps the client IP; the network must then route replies back through the appliance.
    /// </summary>
    public bool SnatClusterToRemote { get; init; } = true;

    /// <summary>
    /// SNAT when the client is the chosen backend itself (hairpin), as kube-proxy's endpoint chains do; without it
    /// the backend would answer itself directly and the connection would fail.
    /// </summary>
    public bool SnatHairpin { get; init; } = true;

    /// <summary>SNAT source for IPv4 flows; null takes the node's first IPv4 address.</summary>
    public ServiceAddress? SnatIPv4 { get; init; }

    /// <summary>SNAT source for IPv6 flows; null takes the node's first IPv6 address.</summary>
    public ServiceAddress? SnatIPv6 { get; init; }

    /// <summary>
    /// kube-proxy's fallback (KEP-1669, GA in 1.28): when a service port has no ready endpoint, use the endpoints
    /// that are still serving while terminating, so that a rolling update or scale-down drains instead of
    /// refusing connections. Applied separately to the cluster-wide and the local set, as kube-proxy does.
    /// </summary>
    public bool UseServingTerminatingFallback { get; init; } = true;

    /// <summary>The smallest Maglev table (a prime). Bigger tables are used past <c>size/100</c> backends.</summary>
    public int MaglevTableSize { get; init; } = Maglev.DefaultTableSize;

    /// <summary>Units of the timestamps passed to lookups (default: <see cref="Stopwatch"/> ticks).</summary>
    public long TicksPerSecond { get; init; } = Stopwatch.Frequency;

    public static ServiceTableOptions Default { get; } = new();

    internal void Validate()
    {
        if (NodePortMin is < 1 or > 65535 || NodePortMax is < 1 or > 65535 || NodePortMin > NodePortMax)
            throw new ArgumentException($"invalid NodePort range {NodePortMin}-{NodePortMax}");
        if (!Maglev.IsPrime(MaglevTableSize) || MaglevTableSize < 3)
            throw new ArgumentException($"MaglevTableSize must be a prime ≥ 3, got {MaglevTableSize}");
        if (TicksPerSecond <= 0)
            throw new ArgumentException("TicksPerSecond must be positive");
        if (SnatIPv4 is { } v4 && v4.Version != 4)
            throw new ArgumentException("SnatIPv4 must be an IPv4 address");
        if (SnatIPv6 is { } v6 && v6.Version != 6)
            throw new ArgumentException("SnatIPv6 must be an IPv6 address");
    }
}
