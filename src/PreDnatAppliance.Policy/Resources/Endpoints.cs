namespace PreDnatAppliance.Policy.Resources;

using PreDnatAppliance.Policy.Diagnostics;

/// <summary>A named port on an endpoint (Calico's EndpointPort).</summary>
public sealed class EndpointPort : ModelNode
{
    public string Name { get; set; } = string.Empty;

    /// <summary>TCP, UDP or SCTP as written.</summary>
    public string Protocol { get; set; } = string.Empty;

    public int Port { get; set; }
}

public sealed class HostEndpoint : Resource
{
    public override ResourceKind Kind => ResourceKind.HostEndpoint;

    public string Node { get; set; } = string.Empty;

    /// <summary>A Linux interface name, "*" for every interface, or empty (then chosen by expectedIPs).</summary>
    public string InterfaceName { get; set; } = string.Empty;

    public List<Located<string>> ExpectedIPs { get; set; } = new();
    public List<Located<string>> Profiles { get; set; } = new();
    public List<EndpointPort> Ports { get; set; } = new();

    public bool IsWildcard => InterfaceName == "*";
}

public sealed class WorkloadEndpoint : Resource
{
    public override ResourceKind Kind => ResourceKind.WorkloadEndpoint;

    public string Node { get; set; } = string.Empty;
    public string Orchestrator { get; set; } = string.Empty;
    public string Workload { get; set; } = string.Empty;
    public string Pod { get; set; } = string.Empty;
    public string Endpoint { get; set; } = string.Empty;
    public string ContainerId { get; set; } = string.Empty;
    public string ServiceAccountName { get; set; } = string.Empty;
    public string InterfaceName { get; set; } = string.Empty;
    public string Mac { get; set; } = string.Empty;

    /// <summary>The workload's addresses, usually /32 and /128.</summary>
    public List<Located<string>> IpNetworks { get; set; } = new();
    public List<Located<string>> Profiles { get; set; } = new();
    public List<EndpointPort> Ports { get; set; } = new();
    public List<Located<string>> AllowSpoofedSourcePrefixes { get; set; } = new();
}
