using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>What the DNAT stage does with a flow-creating packet.</summary>
public enum ServiceVerdict : byte
{
    /// <summary>The destination is no service frontend: forward unchanged.</summary>
    NoService = 0,

    /// <summary>Rewrite with <see cref="ServiceDecision.Nat"/> (DNAT to the backend, SNAT too when its Kind says so).</summary>
    Dnat = 1,

    /// <summary>The service has no usable endpoint at all: answer ICMP(v6) port unreachable (kube-proxy's REJECT).</summary>
    Reject = 2,

    /// <summary>The frontend only uses local endpoints (traffic policy Local) and this node has none: drop silently.</summary>
    Drop = 3,
}

/// <summary>How a frontend was created.</summary>
public enum FrontendKind : byte
{
    ClusterIP,
    NodePort,
    ExternalIP,
    LoadBalancer,
}

/// <summary>The DNAT stage's answer for one flow; <c>default</c> is <see cref="ServiceVerdict.NoService"/>.</summary>
public readonly struct ServiceDecision
{
    public ServiceDecision(ServiceVerdict verdict, in NatRewrite nat, int serviceIndex, bool backendIsLocal)
    {
        Verdict = verdict;
        Nat = nat;
        ServiceIndex = serviceIndex;
        BackendIsLocal = backendIsLocal;
    }

    public ServiceVerdict Verdict { get; }

    /// <summary>For <see cref="ServiceVerdict.Dnat"/>: the rewrite conntrack stores for the flow.</summary>
    public NatRewrite Nat { get; }

    /// <summary>
    /// The service port (index into <see cref="ServiceTable.Ports"/> of the table that decided); meaningless (0)
    /// for <see cref="ServiceVerdict.NoService"/>.
    /// </summary>
    public int ServiceIndex { get; }

    /// <summary>For <see cref="ServiceVerdict.Dnat"/>: whether the chosen backend runs on this node.</summary>
    public bool BackendIsLocal { get; }
}

/// <summary>A backend of a service port: endpoint address, target port, and whether it runs on this node.</summary>
public readonly record struct ServiceBackend(ServiceAddress Address, ushort Port, bool IsLocal)
{
    public override string ToString() => Address.WithPort(Port) + (IsLocal ? " (local)" : "");
}

/// <summary>One frontend, for inspection: (address, protocol, port) and what it leads to.</summary>
public readonly record struct ServiceFrontend(
    ServiceAddress Address,
    ServiceProtocol Protocol,
    ushort Port,
    FrontendKind Kind,
    int ServiceIndex,
    bool LocalOnly,
    bool SnatRemote)
{
    public override string ToString() => $"{Protocol.ToString().ToUpperInvariant()} {Address.WithPort(Port)} ({Kind})";
}

/// <summary>A backend that a table swap took away from a service port; conntrack purges UDP flows to it.</summary>
public readonly record struct RemovedBackend(string ServicePort, ServiceProtocol Protocol, ServiceAddress Address, ushort Port)
{
    public override string ToString() => $"{ServicePort}: {Protocol.ToString().ToUpperInvariant()} {Address.WithPort(Port)}";
}

/// <summary>A service port of one IP family, as the table serves it.</summary>
public sealed class ServicePortInfo
{
    internal ServicePortInfo(int index, ServiceResource service, ServicePortSpec port, byte family,
        IReadOnlyList<ServiceBackend> backends, IReadOnlyList<ServiceBackend> localBackends)
    {
        Index = index;
        Service = service;
        Port = port;
        Family = family;
        Backends = backends;
        LocalBackends = localBackends;
        PortName = port.Name.Length > 0 ? port.Name : port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Id = $"{service.Namespace}/{service.Name}:{PortName}/{port.Protocol.ToString().ToUpperInvariant()}/IPv{family}";
        AffinityId = Fnv1a(Id);
    }

    private static ulong Fnv1a(string text)
    {
        var hash = 14695981039346656037UL;
        foreach (var c in text)
            hash = (hash ^ c) * 1099511628211UL;
        return hash;
    }

    public int Index { get; }

    /// <summary>The port's name, or its number when it has none.</summary>
    public string PortName { get; }

    /// <summary>Stable across reloads: "namespace/name:port/PROTO/IPvN".</summary>
    public string Id { get; }

    public ServiceResource Service { get; }
    public ServicePortSpec Port { get; }
    public byte Family { get; }

    /// <summary>Every usable endpoint (ready, or serving-terminating as a fallback), in canonical order.</summary>
    public IReadOnlyList<ServiceBackend> Backends { get; }

    /// <summary>The usable endpoints on this node.</summary>
    public IReadOnlyList<ServiceBackend> LocalBackends { get; }

    /// <summary>Key of this service port in the affinity tables (a stable hash of <see cref="Id"/>).</summary>
    public ulong AffinityId { get; }

    public override string ToString() => Id;
}
