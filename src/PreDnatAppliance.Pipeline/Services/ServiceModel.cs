namespace PreDnatAppliance.Pipeline.Services;

/// <summary>Where a value was written: file, 1-based line and column.</summary>
public readonly record struct SourceLocation(string File, int Line, int Column)
{
    public override string ToString() => $"{File}:{Line}:{Column}";
}

public enum ServiceType : byte
{
    ClusterIP,
    NodePort,
    LoadBalancer,
    ExternalName,
}

public enum TrafficPolicy : byte
{
    Cluster,
    Local,
}

public enum SessionAffinity : byte
{
    None,
    ClientIP,
}

/// <summary>IANA protocol numbers of the protocols a Service port can use.</summary>
public enum ServiceProtocol : byte
{
    Tcp = 6,
    Udp = 17,
    Sctp = 132,
}

/// <summary>One entry of a Service's <c>spec.ports</c>.</summary>
public sealed record ServicePortSpec
{
    /// <summary>Empty when the Service has a single unnamed port.</summary>
    public string Name { get; init; } = "";
    public ServiceProtocol Protocol { get; init; } = ServiceProtocol.Tcp;
    public int Port { get; init; }

    /// <summary>The targetPort as a number (0 when it is a name or absent).</summary>
    public int TargetPortNumber { get; init; }

    /// <summary>The targetPort as a name (null when it is a number or absent).</summary>
    public string? TargetPortName { get; init; }

    /// <summary>0 when the port has none.</summary>
    public int NodePort { get; init; }

    public SourceLocation Location { get; init; }
    public SourceLocation NodePortLocation { get; init; }
}

/// <summary>A Kubernetes Service (core/v1), reduced to what the service tables use.</summary>
public sealed record ServiceResource
{
    public string Namespace { get; init; } = "default";
    public string Name { get; init; } = "";
    public ServiceType Type { get; init; } = ServiceType.ClusterIP;

    /// <summary>spec.clusterIPs (or spec.clusterIP when clusterIPs is absent); empty for headless ("None").</summary>
    public IReadOnlyList<ServiceAddress> ClusterIPs { get; init; } = Array.Empty<ServiceAddress>();

    /// <summary>spec.ipFamilies as versions (4, 6); used only when the service has no cluster IP.</summary>
    public IReadOnlyList<byte> IpFamilies { get; init; } = Array.Empty<byte>();

    public IReadOnlyList<ServiceAddress> ExternalIPs { get; init; } = Array.Empty<ServiceAddress>();

    /// <summary>status.loadBalancer.ingress[].ip, except entries with <c>ipMode: Proxy</c> (kube-proxy skips those).</summary>
    public IReadOnlyList<ServiceAddress> LoadBalancerIngress { get; init; } = Array.Empty<ServiceAddress>();

    public IReadOnlyList<ServicePortSpec> Ports { get; init; } = Array.Empty<ServicePortSpec>();
    public TrafficPolicy ExternalTrafficPolicy { get; init; } = TrafficPolicy.Cluster;
    public TrafficPolicy InternalTrafficPolicy { get; init; } = TrafficPolicy.Cluster;
    public SessionAffinity SessionAffinity { get; init; } = SessionAffinity.None;

    /// <summary>sessionAffinityConfig.clientIP.timeoutSeconds (default 10800, 1..86400).</summary>
    public int AffinityTimeoutSeconds { get; init; } = ServiceDefaults.AffinityTimeoutSeconds;

    public SourceLocation Location { get; init; }

    public string Key => $"{Namespace}/{Name}";
}

public static class ServiceDefaults
{
    public const int AffinityTimeoutSeconds = 10800;
    public const int MaxAffinityTimeoutSeconds = 86400;
    public const string ServiceNameLabel = "kubernetes.io/service-name";
}

/// <summary>One entry of an EndpointSlice's <c>endpoints</c>.</summary>
public sealed record EndpointSpec
{
    public IReadOnlyList<ServiceAddress> Addresses { get; init; } = Array.Empty<ServiceAddress>();

    /// <summary>conditions.ready; an absent value means ready.</summary>
    public bool Ready { get; init; } = true;

    /// <summary>conditions.serving; an absent value takes <see cref="Ready"/>'s value (as kube-proxy does).</summary>
    public bool Serving { get; init; } = true;

    /// <summary>conditions.terminating; an absent value means not terminating.</summary>
    public bool Terminating { get; init; }

    public string? NodeName { get; init; }
    public SourceLocation Location { get; init; }
}

/// <summary>One entry of an EndpointSlice's <c>ports</c>.</summary>
public sealed record EndpointPortSpec
{
    public string Name { get; init; } = "";
    public ServiceProtocol Protocol { get; init; } = ServiceProtocol.Tcp;

    /// <summary>0 when absent (the port is then unusable).</summary>
    public int Port { get; init; }
}

/// <summary>An EndpointSlice (discovery.k8s.io/v1), reduced to what the service tables use.</summary>
public sealed record EndpointSliceResource
{
    public string Namespace { get; init; } = "default";
    public string Name { get; init; } = "";

    /// <summary>metadata.labels["kubernetes.io/service-name"]; null when the slice has no such label.</summary>
    public string? ServiceName { get; init; }

    /// <summary>4 or 6; 0 for FQDN slices, which the tables ignore.</summary>
    public byte AddressFamily { get; init; }

    public IReadOnlyList<EndpointSpec> Endpoints { get; init; } = Array.Empty<EndpointSpec>();
    public IReadOnlyList<EndpointPortSpec> Ports { get; init; } = Array.Empty<EndpointPortSpec>();
    public SourceLocation Location { get; init; }
}

/// <summary>What one services file holds.</summary>
public sealed record ServiceCatalog
{
    /// <summary>The file it came from (for messages).</summary>
    public string Source { get; init; } = "<memory>";

    public IReadOnlyList<ServiceResource> Services { get; init; } = Array.Empty<ServiceResource>();
    public IReadOnlyList<EndpointSliceResource> EndpointSlices { get; init; } = Array.Empty<EndpointSliceResource>();

    /// <summary>Things ignored on purpose (other kinds, FQDN slices, ...), each with its location.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = Array.Empty<string>();
}

/// <summary>Who this appliance is: the node name (local vs remote endpoints) and the node IPs (NodePort frontends).</summary>
public sealed record NodeIdentity
{
    public NodeIdentity(string name, IReadOnlyList<ServiceAddress> addresses)
    {
        if (string.IsNullOrEmpty(name))
            throw new ArgumentException("node name is required", nameof(name));
        if (addresses.Any(a => !a.IsValid))
            throw new ArgumentException("node addresses must be IPv4 or IPv6 addresses", nameof(addresses));
        Name = name;
        Addresses = addresses.Distinct().ToArray();
    }

    public NodeIdentity(string name, params string[] addresses)
        : this(name, addresses.Select(ServiceAddress.Parse).ToArray())
    {
    }

    public string Name { get; }
    public IReadOnlyList<ServiceAddress> Addresses { get; }
}
