using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Pipeline.Tests.Services;

/// <summary>Shared helpers: fixture files, this node, flows, and small catalogs built in code.</summary>
internal static class ServiceFixtures
{
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte Sctp = 132;

    /// <summary>The appliance in the fixtures: node-a with one IPv4 and one IPv6 address.</summary>
    public static readonly NodeIdentity NodeA = new("node-a", "192.0.2.10", "2001:db8::10");

    public static string DataPath(string name) => Path.Combine(AppContext.BaseDirectory, "Data", "services", name);

    public static ServiceCatalog LoadFixture(string name = "cluster.yaml") => ServiceYamlLoader.LoadFile(DataPath(name));

    public static ServiceTable FixtureTable(ServiceTableOptions? options = null) =>
        ServiceTableBuilder.Build(LoadFixture(), NodeA, options);

    public static ServiceAddress Ip(string text) => ServiceAddress.Parse(text);

    public static uint V4(string text) => (uint)ServiceAddress.Parse(text).Low;

    public static FlowKey Flow(string src, ushort srcPort, string dst, ushort dstPort, byte protocol = Tcp)
    {
        var s = Ip(src);
        var d = Ip(dst);
        if (s.Version != d.Version)
            throw new ArgumentException("mixed families");
        return new FlowKey(s.Version, s.High, s.Low, d.High, d.Low, protocol, srcPort, dstPort);
    }

    /// <summary>A ClusterIP/NodePort service with one TCP port and ready endpoints (address, node) on 8080.</summary>
    public static ServiceCatalog Catalog(
        string name,
        IEnumerable<(string Address, string? Node)> endpoints,
        ServiceType type = ServiceType.NodePort,
        TrafficPolicy externalPolicy = TrafficPolicy.Cluster,
        SessionAffinity affinity = SessionAffinity.None,
        int timeoutSeconds = ServiceDefaults.AffinityTimeoutSeconds,
        string clusterIP = "10.96.20.1",
        int nodePort = 30100,
        ServiceProtocol protocol = ServiceProtocol.Tcp) =>
        new()
        {
            Services = new[] { Service(name, type, externalPolicy, affinity, timeoutSeconds, clusterIP, nodePort, protocol) },
            EndpointSlices = new[] { Slice(name, endpoints, protocol) },
        };

    public static ServiceResource Service(
        string name,
        ServiceType type = ServiceType.NodePort,
        TrafficPolicy externalPolicy = TrafficPolicy.Cluster,
        SessionAffinity affinity = SessionAffinity.None,
        int timeoutSeconds = ServiceDefaults.AffinityTimeoutSeconds,
        string clusterIP = "10.96.20.1",
        int nodePort = 30100,
        ServiceProtocol protocol = ServiceProtocol.Tcp) =>
        new()
        {
            Namespace = "test",
            Name = name,
            Type = type,
            ClusterIPs = new[] { Ip(clusterIP) },
            Ports = new[]
            {
                new ServicePortSpec { Name = "p", Protocol = protocol, Port = 80, TargetPortNumber = 8080, NodePort = type == ServiceType.ClusterIP ? 0 : nodePort },
            },
            ExternalTrafficPolicy = externalPolicy,
            SessionAffinity = affinity,
            AffinityTimeoutSeconds = timeoutSeconds,
        };

    public static EndpointSliceResource Slice(string service, IEnumerable<(string Address, string? Node)> endpoints,
        ServiceProtocol protocol = ServiceProtocol.Tcp, string? sliceName = null, bool ready = true)
    {
        var list = endpoints.ToList();
        return new EndpointSliceResource
        {
            Namespace = "test",
            Name = sliceName ?? service + "-slice",
            ServiceName = service,
            AddressFamily = list.Count > 0 ? Ip(list[0].Address).Version : (byte)4,
            Endpoints = list.Select(e => new EndpointSpec { Addresses = new[] { Ip(e.Address) }, NodeName = e.Node, Ready = ready, Serving = ready }).ToArray(),
            Ports = new[] { new EndpointPortSpec { Name = "p", Protocol = protocol, Port = 8080 } },
        };
    }

    /// <summary>n remote backends 10.1.x.y on node-b.</summary>
    public static IEnumerable<(string, string?)> Remote(int n, int first = 1) =>
        Enumerable.Range(first, n).Select(i => ($"10.1.{i / 250}.{i % 250 + 1}", (string?)"node-b"));

    /// <summary>Deterministic pseudo-random client flows to a frontend.</summary>
    public static FlowKey[] RandomFlows(int count, int seed, string dst = "192.0.2.10", ushort dstPort = 30100, byte protocol = Tcp)
    {
        var random = new Random(seed);
        var d = Ip(dst);
        var flows = new FlowKey[count];
        for (var i = 0; i < count; i++)
        {
            var src = (uint)random.Next() | 0x0100_0000u;
            flows[i] = new FlowKey(4, 0, src, d.High, d.Low, protocol, (ushort)random.Next(1024, 65536), dstPort);
        }
        return flows;
    }
}
