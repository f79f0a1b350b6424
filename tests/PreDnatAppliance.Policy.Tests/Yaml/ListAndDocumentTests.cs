using PreDnatAppliance.Policy.Resources;
using static PreDnatAppliance.Policy.Tests.Yaml.YamlTestSupport;

namespace PreDnatAppliance.Policy.Tests.Yaml;

public class ListAndDocumentTests
{
    [Fact]
    public void Reads_multi_document_files_and_skips_empty_documents()
    {
        var set = LoadClean("""
            # leading comment only
            ---
            ---
            apiVersion: projectcalico.org/v3
            kind: Tier
            metadata: {name: a}
            ...
            ---
            ~
            ---
            apiVersion: projectcalico.org/v3
            kind: Tier
            metadata: {name: b}
            ---
            """);
        Assert.Equal(new[] { "a", "b" }, set.Tiers.Select(t => t.Name));
        AssertAt(set.Tiers[1].Location, 11, 1);
    }

    [Fact]
    public void Empty_text_gives_nothing()
    {
        var set = LoadClean("");
        Assert.Empty(set.AllResources);
    }

    [Fact]
    public void Reads_an_untyped_list_with_mixed_kinds()
    {
        var set = LoadClean("""
            apiVersion: v1
            kind: List
            metadata: {resourceVersion: ""}
            items:
              - apiVersion: projectcalico.org/v3
                kind: Tier
                metadata: {name: t1}
              - apiVersion: projectcalico.org/v3
                kind: HostEndpoint
                metadata: {name: h1}
                spec: {node: n1, interfaceName: "*"}
            """);
        Assert.Equal("t1", Assert.Single(set.Tiers).Name);
        var hep = Assert.Single(set.HostEndpoints);
        Assert.True(hep.IsWildcard);
        AssertAt(hep.Location, 8, 5);
    }

    [Fact]
    public void Typed_list_items_may_leave_out_apiVersion_and_kind()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: NetworkSetList
            items:
              - metadata: {name: a, namespace: ns}
                spec: {nets: [10.0.0.0/8]}
              - kind: NetworkSet
                metadata: {name: b}
            """);
        Assert.Equal(new[] { "NetworkSet/ns/a", "NetworkSet/default/b" }, set.NetworkSets.Select(n => n.QualifiedName));
    }

    [Fact]
    public void Reads_calicoctl_get_output_with_server_metadata()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Data", "yaml", "dir", "sub", "30-calicoctl-gnp-list.yaml");
        var set = LoadClean(File.ReadAllText(path));

        var policy = Assert.Single(set.Policies);
        Assert.Equal("default.allow-ssh", policy.Name);
        Assert.True(policy.PreDnat);
        Assert.Equal(10.0, policy.Order);
        Assert.Equal("22", policy.Ingress[0].Destination.Ports[0].Value);
        Assert.True(policy.Ingress[0].Source.IsEmpty);
        AssertAt(policy.Ingress[0].Source.Location, 18, 15);
        AssertAt(policy.Location, 3, 3);
    }

    [Fact]
    public void Status_is_accepted_and_ignored()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: NetworkPolicy
            metadata: {name: p, namespace: n}
            spec: {selector: all()}
            status:
              conditions: [{type: Valid, status: "True"}]
            """);
        Assert.Single(set.Policies);
    }

    [Fact]
    public void Resources_keep_document_order_across_kinds()
    {
        var set = LoadClean("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: second-in-file-order-but-first-policy}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: z}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: a}
            """);
        Assert.Equal(new[] { "second-in-file-order-but-first-policy", "z", "a" }, set.Policies.Select(p => p.Name));
    }
}
