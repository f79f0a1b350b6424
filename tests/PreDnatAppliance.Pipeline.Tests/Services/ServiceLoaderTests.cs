using PreDnatAppliance.Pipeline.Services;
using static PreDnatAppliance.Pipeline.Tests.Services.ServiceFixtures;

namespace PreDnatAppliance.Pipeline.Tests.Services;

public class ServiceLoaderTests
{
    [Fact]
    public void Loads_kubectl_list_output_and_ignores_the_noise()
    {
        var catalog = LoadFixture();
        Assert.Equal(DataPath("cluster.yaml"), catalog.Source);
        Assert.Equal(
            new[] { "default/kubernetes", "shop/web", "shop/web-local", "shop/empty", "shop/dns", "shop/dual", "shop/assoc", "shop/db", "shop/upstream" },
            catalog.Services.Select(s => s.Key));
        Assert.Equal(9, catalog.EndpointSlices.Count);
        Assert.Empty(catalog.Warnings);

        var web = catalog.Services.Single(s => s.Name == "web");
        Assert.Equal(ServiceType.NodePort, web.Type);
        Assert.Equal(new[] { Ip("10.96.10.20") }, web.ClusterIPs);
        var port = Assert.Single(web.Ports);
        Assert.Equal(("http", ServiceProtocol.Tcp, 80, "http", 0, 30080), (port.Name, port.Protocol, port.Port, port.TargetPortName, port.TargetPortNumber, port.NodePort));
        Assert.EndsWith("cluster.yaml", port.Location.File);
        Assert.True(port.Location.Line > 1);

        var local = catalog.Services.Single(s => s.Name == "web-local");
        Assert.Equal(TrafficPolicy.Local, local.ExternalTrafficPolicy);
        Assert.Equal(new[] { Ip("198.51.100.21") }, local.ExternalIPs);
        // The hostname entry and the ipMode: Proxy entry are not frontends.
        Assert.Equal(new[] { Ip("203.0.113.10") }, local.LoadBalancerIngress);

        var dns = catalog.Services.Single(s => s.Name == "dns");
        Assert.Equal(SessionAffinity.ClientIP, dns.SessionAffinity);
        Assert.Equal(60, dns.AffinityTimeoutSeconds);
        Assert.Equal(new[] { ServiceProtocol.Udp, ServiceProtocol.Tcp }, dns.Ports.Select(p => p.Protocol));

        Assert.Equal(new byte[] { 4, 6 }, catalog.Services.Single(s => s.Name == "dual").ClusterIPs.Select(a => a.Version));
        Assert.Empty(catalog.Services.Single(s => s.Name == "db").ClusterIPs); // headless
        Assert.Equal(ServiceType.ExternalName, catalog.Services.Single(s => s.Name == "upstream").Type);

        var webSlice = catalog.EndpointSlices.Single(s => s.Name == "web-x7k2p");
        Assert.Equal("web", webSlice.ServiceName);
        Assert.Equal(new[] { true, true, false }, webSlice.Endpoints.Select(e => e.Ready));
        Assert.Equal(new[] { "node-a", "node-b", "node-b" }, webSlice.Endpoints.Select(e => e.NodeName));
        Assert.Equal(8080, Assert.Single(webSlice.Ports).Port);
        Assert.Equal((byte)6, catalog.EndpointSlices.Single(s => s.Name == "dual-v6abc").AddressFamily);
        Assert.Empty(catalog.EndpointSlices.Single(s => s.Name == "empty-4tz6w").Endpoints);
    }

    [Fact]
    public void Defaults_follow_the_api()
    {
        const string yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: minimal
            spec:
              clusterIP: 10.96.0.5
              sessionAffinity: ClientIP
              ports:
              - port: 80
            ---
            apiVersion: discovery.k8s.io/v1
            kind: EndpointSlice
            metadata:
              name: minimal-1
              labels:
                kubernetes.io/service-name: minimal
            addressType: IPv4
            endpoints:
            - addresses: [10.1.0.1]
            - addresses: [10.1.0.2]
              conditions: {ready: false, terminating: true}
            ports:
            - port: 80
            """;
        var catalog = ServiceYamlLoader.Load(yaml, "minimal.yaml");
        var service = Assert.Single(catalog.Services);
        Assert.Equal("default", service.Namespace);
        Assert.Equal(ServiceType.ClusterIP, service.Type);
        Assert.Equal(TrafficPolicy.Cluster, service.ExternalTrafficPolicy);
        Assert.Equal(ServiceDefaults.AffinityTimeoutSeconds, service.AffinityTimeoutSeconds);
        var port = Assert.Single(service.Ports);
        Assert.Equal((ServiceProtocol.Tcp, 80, "", 0), (port.Protocol, port.TargetPortNumber, port.Name, port.NodePort));
        var slice = Assert.Single(catalog.EndpointSlices);
        Assert.True(slice.Endpoints[0].Ready);          // conditions absent: ready
        Assert.True(slice.Endpoints[0].Serving);
        Assert.False(slice.Endpoints[1].Ready);
        Assert.False(slice.Endpoints[1].Serving);       // serving absent: takes ready's value
        Assert.True(slice.Endpoints[1].Terminating);
        Assert.Null(slice.Endpoints[0].NodeName);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata: {name: x\n  spec: {}\n", 5)]
    [InlineData("apiVersion: v1\nkind: List\nitems:\n- kind: Service\n  metadata: name: x\n", 5)]
    [InlineData("apiVersion: v1\nkind: List\nitems:\n\t- kind: Service\n", 4)]
    public void Syntax_error_names_file_line_and_column(string yaml, int line)
    {
        var e = Assert.Throws<ServiceLoadException>(() => ServiceYamlLoader.Load(yaml, "svc.yaml"));
        var error = Assert.Single(e.Errors);
        Assert.Matches($@"^svc\.yaml:{line}:\d+: invalid YAML: ", error);
        Assert.Contains("svc.yaml", e.Message);
    }

    [Fact]
    public void Every_bad_value_is_reported_with_its_position()
    {
        const string yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Service
              metadata: {name: bad, namespace: shop}
              spec:
                type: NodePort
                clusterIP: 10.96.0.300
                externalIPs: [not-an-ip]
                externalTrafficPolicy: Sideways
                sessionAffinity: ClientIP
                sessionAffinityConfig: {clientIP: {timeoutSeconds: 0}}
                ports:
                - name: a
                  port: eighty
                  protocol: tcp
                - name: b
                  port: 70000
                  targetPort: Not_A_Name
                  nodePort: "30080"
            - apiVersion: discovery.k8s.io/v1
              kind: EndpointSlice
              metadata: {name: bad-1, namespace: shop, labels: {kubernetes.io/service-name: bad}}
              addressType: IPv4
              endpoints:
              - addresses: [fd00::1]
                conditions: {ready: maybe}
            """;
        var e = Assert.Throws<ServiceLoadException>(() => ServiceYamlLoader.Load(yaml, "bad.yaml"));
        string Find(string text) => Assert.Single(e.Errors, x => x.Contains(text, StringComparison.Ordinal));
        Assert.StartsWith("bad.yaml:9:16: items[0].spec.clusterIP:", Find("'10.96.0.300' is not a valid IP address"));
        Assert.StartsWith("bad.yaml:10:19: items[0].spec.externalIPs[0]:", Find("'not-an-ip'"));
        Assert.StartsWith("bad.yaml:11:28:", Find("unknown externalTrafficPolicy 'Sideways'"));
        Assert.StartsWith("bad.yaml:13:56:", Find("0 is out of range (must be 1..86400)"));
        Assert.StartsWith("bad.yaml:16:13: items[0].spec.ports[0].port:", Find("expected an integer, got 'eighty'"));
        Assert.StartsWith("bad.yaml:17:17:", Find("unknown protocol 'tcp' (expected TCP, UDP or SCTP)"));
        Assert.StartsWith("bad.yaml:19:13:", Find("70000 is not a valid port number"));
        Assert.StartsWith("bad.yaml:20:19:", Find("'Not_A_Name' is neither a port number nor a valid port name"));
        Assert.StartsWith("bad.yaml:21:17: items[0].spec.ports[1].nodePort:", Find("expected an integer, got '30080'"));
        Assert.StartsWith("bad.yaml:27:17:", Find("IPv6 address in an IPv4 EndpointSlice"));
        Assert.StartsWith("bad.yaml:28:25:", Find("expected true or false, got 'maybe'"));
        Assert.Equal(11, e.Errors.Count);
        Assert.StartsWith("services from bad.yaml rejected: 11 errors", e.Message);
    }

    [Theory]
    [InlineData("", "the file is empty")]
    [InlineData("   \n# only a comment\n", "the file has no documents")]
    [InlineData("---\n", "the file has no documents")]
    [InlineData("- a\n- b\n", "expected a Kubernetes object (a mapping), got a list")]
    [InlineData("apiVersion: v1\nitems: []\n", "missing 'kind'")]
    [InlineData("kind: List\nitems: {a: 1}\n", "items: expected a list, got a mapping")]
    [InlineData("apiVersion: discovery.k8s.io/v1beta1\nkind: EndpointSlice\nmetadata: {name: x}\naddressType: IPv4\n", "expected 'discovery.k8s.io/v1'")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec:\n  ports: []\n  ports: []\n", "duplicate key 'ports'")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {namespace: x}\nspec: {}\n", "metadata.name: missing name")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {type: Magic}\n", "unknown service type 'Magic'")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 80, name: a}, {port: 80, name: b}]}\n", "duplicate port TCP/80")]
    [InlineData("apiVersion: v1\nkind: Service\nmetadata: {name: x}\nspec: {ports: [{port: 80}, {port: 81}]}\n", "every port must have a name")]
    [InlineData("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: Service, metadata: {name: x}, spec: {}}\n- {apiVersion: v1, kind: Service, metadata: {name: x}, spec: {}}\n", "Service default/x appears more than once")]
    public void Malformed_input_is_rejected_with_a_clear_message(string yaml, string expected)
    {
        var e = Assert.Throws<ServiceLoadException>(() => ServiceYamlLoader.Load(yaml, "svc.yaml"));
        Assert.Contains(e.Errors, x => x.Contains(expected, StringComparison.Ordinal) && x.StartsWith("svc.yaml:", StringComparison.Ordinal));
    }

    [Fact]
    public void Other_kinds_and_fqdn_slices_are_skipped_with_a_warning()
    {
        const string yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Endpoints
              metadata: {name: web}
              subsets: []
            - apiVersion: discovery.k8s.io/v1
              kind: EndpointSlice
              metadata: {name: ext-1, labels: {kubernetes.io/service-name: ext}}
              addressType: FQDN
              endpoints: [{addresses: [example.com]}]
            - apiVersion: discovery.k8s.io/v1
              kind: EndpointSlice
              metadata: {name: orphan}
              addressType: IPv4
              endpoints: [{addresses: [10.0.0.1]}]
            """;
        var catalog = ServiceYamlLoader.Load(yaml, "svc.yaml");
        Assert.Empty(catalog.Services);
        Assert.Single(catalog.EndpointSlices); // the orphan is kept (and ignored by the builder)
        Assert.Collection(catalog.Warnings,
            w => Assert.Equal("svc.yaml:4:3: items[0]: ignored object of kind 'Endpoints'", w),
            w => Assert.Contains("ignored FQDN EndpointSlice default/ext-1", w),
            w => Assert.Contains("has no 'kubernetes.io/service-name' label", w));
    }

    [Fact]
    public void Anchors_and_flow_style_are_fine()
    {
        const string yaml = """
            apiVersion: v1
            kind: ServiceList
            items:
            - apiVersion: v1
              kind: Service
              metadata: {name: a}
              spec: {clusterIP: 10.96.0.7, ports: &ports [{name: http, port: 80, targetPort: 8080}]}
            - apiVersion: v1
              kind: Service
              metadata: {name: b}
              spec: {clusterIP: 10.96.0.8, ports: *ports}
            """;
        var catalog = ServiceYamlLoader.Load(yaml, "svc.yaml");
        Assert.All(catalog.Services, s => Assert.Equal(8080, Assert.Single(s.Ports).TargetPortNumber));
    }
}
