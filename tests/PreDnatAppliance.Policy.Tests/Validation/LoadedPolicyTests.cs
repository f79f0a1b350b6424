using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Validation;
using PreDnatAppliance.Policy.Yaml;

namespace PreDnatAppliance.Policy.Tests.Validation;

/// <summary>Validation of text through the real loader: how the two stages meet.</summary>
public class LoadedPolicyTests
{
    private static PolicySet Load(string text)
    {
        var set = new PolicySet();
        PolicyLoader.LoadText(set, "policy.yaml", text);
        PolicyValidator.Validate(set);
        return set;
    }

    // The NodePort protection set of the reference notes (calico-semantics.md section 3.9) plus its host endpoint.
    private const string CanonicalSet = """
        apiVersion: projectcalico.org/v3
        kind: HostEndpoint
        metadata:
          name: node1-eth0
          labels: {host-endpoint: ingress, role: edge}
        spec:
          node: node1
          interfaceName: eth0
          expectedIPs: ["192.0.2.10"]
          profiles: []
          ports:
            - {name: https-np, protocol: TCP, port: 30443}
        ---
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata: {name: allow-cluster-internal-ingress}
        spec:
          order: 10
          preDNAT: true
          applyOnForward: true
          selector: has(host-endpoint)
          ingress:
            - action: Allow
              source: {nets: [10.240.0.0/16, 192.168.0.0/16]}
        ---
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata: {name: allow-nodeport}
        spec:
          order: 10
          preDNAT: true
          applyOnForward: true
          selector: has(host-endpoint)
          ingress:
            - action: Allow
              protocol: TCP
              destination:
                selector: has(host-endpoint)
                ports: [31852, "30400:30410", "https-np"]
            - action: Allow
              protocol: ICMP
              icmp: {type: 8}
            - action: Log
            - action: Deny
        ---
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata: {name: allow-outbound-external}
        spec:
          order: 10
          selector: has(host-endpoint)
          egress:
            - action: Allow
        ---
        apiVersion: projectcalico.org/v3
        kind: FelixConfiguration
        metadata: {name: default}
        spec:
          failsafeInboundHostPorts:
            - {protocol: TCP, port: 22, net: "10.0.0.0/8"}
          failsafeOutboundHostPorts: []
        """;

    [Fact]
    public void Canonical_nodeport_protection_set_is_clean()
    {
        var set = Load(CanonicalSet);
        Assert.Empty(set.Diagnostics.Sorted());
    }

    [Fact]
    public void A_value_the_loader_rejected_is_not_judged_again()
    {
        var set = Load("""
            apiVersion: projectcalico.org/v3
            kind: HostEndpoint
            metadata: {name: h}
            spec:
              node: n
              interfaceName: eth0
              ports:
                - {name: web, protocol: TCP, port: 70000}
            """);
        var d = Assert.Single(set.Diagnostics.Items);
        Assert.Equal("PDA1003", d.Id);
    }

    [Fact]
    public void An_invalid_protocol_does_not_also_fail_the_ports()
    {
        var set = Load("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: p}
            spec:
              ingress:
                - action: Allow
                  protocol: esp
                  destination: {ports: [443]}
            """);
        var d = Assert.Single(set.Diagnostics.Items);
        Assert.Equal("PDA1122", d.Id);
    }

    [Theory]
    [InlineData("global()", false)]
    [InlineData(" global( ) ", false)]
    [InlineData("(global())", true)]
    [InlineData("!global()", true)]
    public void Entity_namespace_selector_global_must_stand_alone(string selector, bool rejected)
    {
        var set = Load($$"""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: p}
            spec:
              ingress:
                - action: Allow
                  source: {namespaceSelector: "{{selector}}"}
            """);
        Assert.Equal(rejected, set.Diagnostics.Items.Any(d => d.Id == "PDA1108"));
    }

    [Fact]
    public void Selector_errors_quote_the_expression()
    {
        var set = Load("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: p}
            spec:
              selector: role = 'edge'
            """);
        var d = Assert.Single(set.Diagnostics.Items);
        Assert.Equal("PDA1301", d.Id);
        Assert.StartsWith("invalid selector \"role = 'edge'\": ", d.Message);
        Assert.Equal(new SourceLocation("policy.yaml", 5, 13), d.Location);
    }
}
