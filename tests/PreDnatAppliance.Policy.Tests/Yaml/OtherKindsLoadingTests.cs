using PreDnatAppliance.Policy.Resources;
using static PreDnatAppliance.Policy.Tests.Yaml.YamlTestSupport;

namespace PreDnatAppliance.Policy.Tests.Yaml;

public class OtherKindsLoadingTests
{
    [Fact]
    public void Reads_every_host_endpoint_field()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: HostEndpoint
            metadata:
              name: node1-eth0
              labels: {host-endpoint: ingress, role: edge}
            spec:
              node: node1
              interfaceName: eth0
              expectedIPs: ["192.0.2.10", 2001:db8::10]
              profiles: [projectcalico-default-allow]
              ports:
                - {name: https-np, protocol: TCP, port: 30443}
                - name: dns
                  protocol: 17
                  port: 53
            """);

        var hep = Assert.Single(set.HostEndpoints);
        Assert.Equal("node1-eth0", hep.Name);
        Assert.Null(hep.Namespace);
        Assert.Equal("ingress", hep.Metadata.Labels["host-endpoint"]);
        Assert.Equal("node1", hep.Node);
        Assert.Equal("eth0", hep.InterfaceName);
        Assert.False(hep.IsWildcard);
        Assert.Equal(new[] { "192.0.2.10", "2001:db8::10" }, hep.ExpectedIPs.Select(ip => ip.Value));
        Assert.Equal("projectcalico-default-allow", Assert.Single(hep.Profiles).Value);
        Assert.Equal(2, hep.Ports.Count);
        Assert.Equal(("https-np", "TCP", 30443), (hep.Ports[0].Name, hep.Ports[0].Protocol, hep.Ports[0].Port));
        Assert.Equal(("dns", "17", 53), (hep.Ports[1].Name, hep.Ports[1].Protocol, hep.Ports[1].Port));

        AssertAt(hep.SpecLocation, 7, 3);
        AssertAt(hep.LocationOf("interfaceName"), 8, 18);
        AssertAt(hep.ExpectedIPs[1].Location, 9, 31);
        AssertAt(hep.Ports[0].Location, 12, 7);
        AssertAt(hep.Ports[0].LocationOf("port"), 12, 45);
        AssertAt(hep.Ports[1].Location, 13, 7);
        AssertAt(hep.Ports[1].LocationOf("port"), 15, 13);
    }

    [Fact]
    public void Reads_every_workload_endpoint_field()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: WorkloadEndpoint
            metadata:
              name: node1-k8s-web--0-eth0
              namespace: shop
              labels: {app: web}
            spec:
              orchestrator: k8s
              workload: ""
              node: node1
              containerID: abc123
              pod: web-0
              endpoint: eth0
              serviceAccountName: web
              ipNetworks: [10.0.0.5/32]
              ipNATs: [{internalIP: 10.0.0.5, externalIP: 192.0.2.5}]
              ipv4Gateway: 169.254.1.1
              ipv6Gateway: fe80::1
              profiles: [kns.shop, ksa.shop.web]
              interfaceName: cali12345
              mac: "ee:ee:ee:ee:ee:ee"
              ports:
                - {name: http, protocol: TCP, port: 8080, hostPort: 80, hostIP: 0.0.0.0}
              allowSpoofedSourcePrefixes: [10.9.0.0/16]
              qosControls: {ingressBandwidth: 1000000, dscp: 10}
            """);

        var wep = Assert.Single(set.WorkloadEndpoints);
        Assert.Equal("shop", wep.Namespace);
        Assert.Equal("k8s", wep.Orchestrator);
        Assert.Equal("", wep.Workload);
        Assert.Equal("node1", wep.Node);
        Assert.Equal("abc123", wep.ContainerId);
        Assert.Equal("web-0", wep.Pod);
        Assert.Equal("eth0", wep.Endpoint);
        Assert.Equal("web", wep.ServiceAccountName);
        Assert.Equal("10.0.0.5/32", Assert.Single(wep.IpNetworks).Value);
        Assert.Equal(new[] { "kns.shop", "ksa.shop.web" }, wep.Profiles.Select(p => p.Value));
        Assert.Equal("cali12345", wep.InterfaceName);
        Assert.Equal("ee:ee:ee:ee:ee:ee", wep.Mac);
        Assert.Equal(("http", "TCP", 8080), (wep.Ports[0].Name, wep.Ports[0].Protocol, wep.Ports[0].Port));
        Assert.Equal("10.9.0.0/16", Assert.Single(wep.AllowSpoofedSourcePrefixes).Value);
        AssertAt(wep.IpNetworks[0].Location, 15, 16);
    }

    [Fact]
    public void Reads_profile_tier_and_network_sets()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: Profile
            metadata: {name: edge}
            spec:
              labelsToApply: {zone: dmz}
              ingress: [{action: Allow}]
              egress: [{action: Deny, protocol: UDP}]
            ---
            apiVersion: projectcalico.org/v3
            kind: Tier
            metadata: {name: security}
            spec: {order: 100, defaultAction: Pass}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkSet
            metadata: {name: blocked, labels: {list: blocked}}
            spec:
              nets: [198.51.100.0/24, "2001:db8::/32"]
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkSet
            metadata: {name: partners}
            spec:
              nets: [203.0.113.0/24]
              allowedEgressDomains: [example.com]
            """);

        var profile = Assert.Single(set.Profiles);
        Assert.Equal("dmz", profile.LabelsToApply["zone"]);
        Assert.Equal("Allow", Assert.Single(profile.Ingress).Action);
        Assert.Equal("UDP", Assert.Single(profile.Egress).Protocol!.Value.Value);

        var tier = Assert.Single(set.Tiers);
        Assert.Equal(("security", 100.0, "Pass"), (tier.Name, tier.Order!.Value, tier.DefaultAction));
        AssertAt(tier.LocationOf("defaultAction"), 12, 35);

        Assert.Equal(2, set.NetworkSets.Count);
        var global = set.NetworkSets[0];
        Assert.True(global.IsGlobal);
        Assert.Null(global.Namespace);
        Assert.Equal(new[] { "198.51.100.0/24", "2001:db8::/32" }, global.Nets.Select(n => n.Value));
        var local = set.NetworkSets[1];
        Assert.Equal(ResourceKind.NetworkSet, local.Kind);
        Assert.Equal("default", local.Namespace);
        Assert.Equal("example.com", Assert.Single(local.AllowedEgressDomains).Value);
    }

    [Fact]
    public void Reads_felix_failsafes_and_accepts_the_other_known_fields()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: FelixConfiguration
            metadata:
              name: default
            spec:
              bpfEnabled: true
              logSeverityScreen: Info
              routeTableRanges: [{min: 1, max: 250}]
              healthTimeoutOverrides: [{name: x, timeout: 30s}]
              failsafeInboundHostPorts:
                - {protocol: TCP, port: 22}
                - {protocol: UDP, port: 68, net: 0.0.0.0/0}
                - port: 6443
              failsafeOutboundHostPorts: []
              kubeNodePortRanges: ["30000:32767", 40000]
            """);

        var felix = Assert.Single(set.FelixConfigurations);
        Assert.Equal("default", felix.Name);
        var inbound = felix.FailsafeInboundHostPorts!;
        Assert.Equal(3, inbound.Count);
        Assert.Equal(("TCP", 22, (string?)null), (inbound[0].Protocol, inbound[0].Port, inbound[0].Net));
        Assert.Equal(("UDP", 68, "0.0.0.0/0"), (inbound[1].Protocol, inbound[1].Port, inbound[1].Net));
        Assert.Equal(("TCP", 6443), (inbound[2].Protocol, inbound[2].Port));
        AssertAt(inbound[2].Location, 13, 7);
        Assert.Empty(felix.FailsafeOutboundHostPorts!);
        Assert.Equal(new[] { "30000:32767", "40000" }, felix.KubeNodePortRanges!.Select(r => r.Value));
    }

    [Fact]
    public void Unwritten_felix_lists_stay_null()
    {
        var felix = Assert.Single(LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: FelixConfiguration
            metadata: {name: default}
            spec: {ipv6Support: false}
            """).FelixConfigurations);
        Assert.Null(felix.FailsafeInboundHostPorts);
        Assert.Null(felix.FailsafeOutboundHostPorts);
        Assert.Null(felix.KubeNodePortRanges);
    }
}
