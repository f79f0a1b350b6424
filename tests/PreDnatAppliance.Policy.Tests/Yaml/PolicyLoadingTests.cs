using PreDnatAppliance.Policy.Resources;
using static PreDnatAppliance.Policy.Tests.Yaml.YamlTestSupport;

namespace PreDnatAppliance.Policy.Tests.Yaml;

public class PolicyLoadingTests
{
    private const string FullGlobalPolicy = """
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata:
          name: allow-nodeports
          labels:
            team: edge
          annotations:
            note: "pre-dnat"
        spec:
          tier: security
          order: 10.5
          selector: has(host-endpoint)
          types: [Ingress]
          preDNAT: true
          applyOnForward: true
          doNotTrack: false
          namespaceSelector: all()
          serviceAccountSelector: role == 'x'
          performanceHints: [AssumeNeededOnEveryNode]
          ingress:
            - action: Allow
              ipVersion: 4
              protocol: TCP
              notProtocol: 17
              source:
                nets: ["198.51.100.0/24"]
                notNets: ["198.51.100.7/32"]
                selector: role == 'lb'
                notSelector: "!has(x)"
                namespaceSelector: global()
                serviceAccounts: {names: [sa1, sa2], selector: a == 'b'}
                ports: [80, "443", "1000:2000", https]
                notPorts: [22]
              destination:
                services: {name: svc, namespace: ns1}
              metadata:
                annotations: {why: test}
            - action: Allow
              protocol: ICMP
              icmp: {type: 8, code: 0}
              notICMP: {type: 3}
              http:
                methods: [GET]
                paths: [{exact: /a}, {prefix: /b}]
          egress: []
        """;

    [Fact]
    public void Reads_every_global_policy_field()
    {
        var set = LoadClean(FullGlobalPolicy);
        var policy = Assert.Single(set.Policies);

        Assert.True(policy.IsGlobal);
        Assert.Equal(ResourceKind.GlobalNetworkPolicy, policy.Kind);
        Assert.Equal("allow-nodeports", policy.Name);
        Assert.Null(policy.Namespace);
        Assert.Equal("edge", policy.Metadata.Labels["team"]);
        Assert.Equal("pre-dnat", policy.Metadata.Annotations["note"]);
        Assert.Equal("security", policy.Tier);
        Assert.Equal(10.5, policy.Order);
        Assert.Equal("has(host-endpoint)", policy.Selector);
        Assert.Equal(new[] { "Ingress" }, policy.Types!.Select(t => t.Value));
        Assert.True(policy.PreDnat);
        Assert.True(policy.ApplyOnForward);
        Assert.False(policy.DoNotTrack);
        Assert.Equal("all()", policy.NamespaceSelector);
        Assert.Equal("role == 'x'", policy.ServiceAccountSelector);
        Assert.Equal("AssumeNeededOnEveryNode", Assert.Single(policy.PerformanceHints).Value);
        Assert.Empty(policy.Egress);
        Assert.Equal(2, policy.Ingress.Count);

        var rule = policy.Ingress[0];
        Assert.Equal("Allow", rule.Action);
        Assert.Equal(4, rule.IpVersion);
        Assert.Equal("TCP", rule.Protocol!.Value.Value);
        Assert.Equal("17", rule.NotProtocol!.Value.Value);
        Assert.Equal("198.51.100.0/24", Assert.Single(rule.Source.Nets).Value);
        Assert.Equal("198.51.100.7/32", Assert.Single(rule.Source.NotNets).Value);
        Assert.Equal("role == 'lb'", rule.Source.Selector);
        Assert.Equal("!has(x)", rule.Source.NotSelector);
        Assert.Equal("global()", rule.Source.NamespaceSelector);
        Assert.Equal(new[] { "sa1", "sa2" }, rule.Source.ServiceAccounts!.Names.Select(n => n.Value));
        Assert.Equal("a == 'b'", rule.Source.ServiceAccounts.Selector);
        Assert.Equal(new[] { "80", "443", "1000:2000", "https" }, rule.Source.Ports.Select(p => p.Value));
        Assert.Equal("22", Assert.Single(rule.Source.NotPorts).Value);
        Assert.Equal("svc", rule.Destination.Services!.Name);
        Assert.Equal("ns1", rule.Destination.Services.Namespace);
        Assert.Equal("test", rule.Annotations["why"]);
        Assert.False(rule.HasHttpMatch);

        var icmpRule = policy.Ingress[1];
        Assert.Equal(8, icmpRule.Icmp!.Type);
        Assert.Equal(0, icmpRule.Icmp.Code);
        Assert.Equal(3, icmpRule.NotIcmp!.Type);
        Assert.Null(icmpRule.NotIcmp.Code);
        Assert.True(icmpRule.HasHttpMatch);
        Assert.True(icmpRule.Source.IsEmpty);
    }

    [Fact]
    public void Records_where_each_value_was_written()
    {
        var policy = Assert.Single(LoadClean(FullGlobalPolicy).Policies);

        AssertAt(policy.Location, 1, 1);
        AssertAt(policy.Metadata.Location, 4, 3);
        AssertAt(policy.Metadata.LocationOf("name"), 4, 9);
        AssertAt(policy.SpecLocation, 10, 3);
        AssertAt(policy.LocationOf("order"), 11, 10);
        AssertAt(policy.LocationOf("preDNAT"), 14, 12);
        AssertAt(policy.Types![0].Location, 13, 11);
        Assert.False(policy.Has("notWritten"));
        AssertAt(policy.LocationOf("notWritten"), 1, 1);

        var rule = policy.Ingress[0];
        AssertAt(rule.Location, 21, 7);
        AssertAt(rule.LocationOf("protocol"), 23, 17);
        AssertAt(rule.Protocol!.Value.Location, 23, 17);
        AssertAt(rule.Source.Location, 26, 9);
        AssertAt(rule.Source.Nets[0].Location, 26, 16);
        AssertAt(rule.Source.Ports[0].Location, 32, 17);
        AssertAt(rule.Source.Ports[1].Location, 32, 21);
        AssertAt(rule.Source.ServiceAccounts!.Location, 31, 26);
        AssertAt(rule.Source.ServiceAccounts.Names[1].Location, 31, 40);
        AssertAt(policy.Ingress[1].Icmp!.LocationOf("type"), 40, 20);
    }

    [Fact]
    public void Network_policy_defaults_namespace_and_reads_its_fields()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata:
              name: web
            spec:
              selector: app == 'web'
              serviceAccountSelector: all()
              order: 100
              egress:
                - action: Deny
                  protocol: 6
                  destination:
                    ports: ["8080"]
            ---
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata:
              name: db
              namespace: prod
            """);

        Assert.Equal(2, set.Policies.Count);
        var web = set.Policies[0];
        Assert.False(web.IsGlobal);
        Assert.Equal("default", web.Namespace);
        Assert.Equal("NetworkPolicy/default/web", web.QualifiedName);
        Assert.Equal(100.0, web.Order);
        Assert.Equal("6", web.Egress[0].Protocol!.Value.Value);
        Assert.Equal("8080", web.Egress[0].Destination.Ports[0].Value);
        Assert.Equal((false, true), web.EffectiveTypes);

        var db = set.Policies[1];
        Assert.Equal("prod", db.Namespace);
        Assert.Null(db.Order);
        Assert.Null(db.Types);
        AssertAt(db.SpecLocation, 15, 1);
    }

    [Fact]
    public void Quoted_and_plain_protocol_numbers_read_the_same()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: p}
            spec:
              ingress:
                - {action: Allow, protocol: 6}
                - {action: Allow, protocol: "6"}
                - {action: Allow, protocol: 0x06}
            """);
        Assert.All(set.Policies[0].Ingress, rule => Assert.Equal("6", rule.Protocol!.Value.Value));
    }
}
