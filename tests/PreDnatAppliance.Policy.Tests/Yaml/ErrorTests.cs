using PreDnatAppliance.Policy.Diagnostics;
using static PreDnatAppliance.Policy.Tests.Yaml.YamlTestSupport;

namespace PreDnatAppliance.Policy.Tests.Yaml;

public class ErrorTests
{
    private const string Gnp = "apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata: {name: p}\n";

    [Fact]
    public void Unknown_top_level_field()
    {
        var set = Load(Gnp + "specs: {}\n");
        var diagnostic = SingleDiagnostic(set, "PDA1002", 4, 1);
        Assert.Equal("json: unknown field \"specs\"", diagnostic.Message);
        Assert.Single(set.Policies);
    }

    [Fact]
    public void Unknown_metadata_field()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: t\n  lables: {a: b}\n");
        Assert.Equal("json: unknown field \"lables\"", SingleDiagnostic(set, "PDA1002", 5, 3).Message);
    }

    [Fact]
    public void Unknown_spec_field()
    {
        var set = Load(Gnp + "spec:\n  selector: all()\n  preDnatt: true\n");
        Assert.Equal("json: unknown field \"preDnatt\"", SingleDiagnostic(set, "PDA1002", 6, 3).Message);
    }

    [Fact]
    public void Unknown_rule_field()
    {
        var set = Load(Gnp + "spec:\n  ingress:\n    - actoin: Allow\n");
        Assert.Equal("json: unknown field \"actoin\"", SingleDiagnostic(set, "PDA1002", 6, 7).Message);
    }

    [Fact]
    public void Unknown_entity_rule_field()
    {
        var set = Load(Gnp + "spec:\n  ingress:\n    - action: Allow\n      source:\n        net: [10.0.0.0/8]\n");
        Assert.Equal("json: unknown field \"net\"", SingleDiagnostic(set, "PDA1002", 8, 9).Message);
    }

    [Fact]
    public void Unknown_fields_deep_inside_rules_are_all_reported()
    {
        var set = Load(Gnp + """
            spec:
              ingress:
                - action: Allow
                  icmp: {type: 8, kode: 0}
                  source:
                    serviceAccounts: {name: [x]}
                    services: {name: s, ns: y}
                  http:
                    paths: [{exact: /a, regex: x}]
                  metadata: {annotations: {a: b}, labels: {c: d}}
            """);
        var diagnostics = set.Diagnostics.Items;
        Assert.Equal(5, diagnostics.Count);
        Assert.All(diagnostics, d => Assert.Equal("PDA1002", d.Id));
        Assert.Equal(new[] { "kode", "name", "ns", "regex", "labels" },
            diagnostics.Select(d => d.Message.Split('"')[1]));
        AssertDiagnostic(diagnostics[0], "PDA1002", 7, 23);
        AssertDiagnostic(diagnostics[4], "PDA1002", 13, 39);
    }

    [Fact]
    public void Global_only_fields_are_unknown_in_a_network_policy()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: p}\nspec:\n  preDNAT: true\n  namespaceSelector: all()\n");
        Assert.Equal(2, set.Diagnostics.Items.Count);
        AssertDiagnostic(set.Diagnostics.Items[0], "PDA1002", 5, 3);
        Assert.Equal("json: unknown field \"preDNAT\"", set.Diagnostics.Items[0].Message);
        AssertDiagnostic(set.Diagnostics.Items[1], "PDA1002", 6, 3);
    }

    [Fact]
    public void Unknown_felix_field_but_known_ones_pass()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: FelixConfiguration\nmetadata: {name: default}\nspec:\n  bpfEnabled: true\n  failsafeInboundPorts: []\n");
        Assert.Equal("json: unknown field \"failsafeInboundPorts\"", SingleDiagnostic(set, "PDA1002", 6, 3).Message);
    }

    [Fact]
    public void A_string_where_a_float_belongs_uses_go_wording()
    {
        var set = Load(Gnp + "spec:\n  order: abc\n");
        var diagnostic = SingleDiagnostic(set, "PDA1003", 5, 10);
        Assert.Equal("json: cannot unmarshal string into Go struct field GlobalNetworkPolicySpec.spec.order of type float64", diagnostic.Message);
        Assert.Null(set.Policies[0].Order);
    }

    [Fact]
    public void A_quoted_number_is_a_string()
    {
        var set = Load(Gnp + "spec:\n  order: \"10\"\n");
        SingleDiagnostic(set, "PDA1003", 5, 10);
    }

    [Theory]
    [InlineData("\"true\"", "string")]
    [InlineData("yes", "string")]
    [InlineData("1", "number")]
    public void Booleans_are_true_or_false_only(string written, string jsonKind)
    {
        var set = Load(Gnp + "spec:\n  preDNAT: " + written + "\n");
        var diagnostic = SingleDiagnostic(set, "PDA1003", 5, 12);
        Assert.Equal($"json: cannot unmarshal {jsonKind} into Go struct field GlobalNetworkPolicySpec.spec.preDNAT of type bool", diagnostic.Message);
        Assert.False(set.Policies[0].PreDnat);
    }

    [Fact]
    public void A_fractional_ip_version_is_rejected()
    {
        var set = Load(Gnp + "spec:\n  ingress:\n    - action: Allow\n      ipVersion: 4.5\n");
        var diagnostic = SingleDiagnostic(set, "PDA1003", 7, 18);
        Assert.Equal("json: cannot unmarshal number 4.5 into Go struct field Rule.spec.ingress.ipVersion of type int", diagnostic.Message);
    }

    [Fact]
    public void A_port_beyond_uint16_is_rejected()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: HostEndpoint\nmetadata: {name: h}\nspec:\n  node: n\n  ports: [{name: x, protocol: TCP, port: 70000}]\n");
        var diagnostic = SingleDiagnostic(set, "PDA1003", 6, 42);
        Assert.Equal("json: cannot unmarshal number 70000 into Go struct field EndpointPort.spec.ports.port of type uint16", diagnostic.Message);
    }

    [Fact]
    public void A_mapping_where_a_rule_list_belongs()
    {
        var set = Load(Gnp + "spec:\n  ingress:\n    action: Allow\n");
        var diagnostic = SingleDiagnostic(set, "PDA1003", 6, 5);
        Assert.Equal("json: cannot unmarshal object into Go struct field GlobalNetworkPolicySpec.spec.ingress of type []v3.Rule", diagnostic.Message);
    }

    [Fact]
    public void A_boolean_port_is_rejected()
    {
        var set = Load(Gnp + "spec:\n  ingress:\n    - action: Allow\n      destination: {ports: [80, true]}\n");
        var diagnostic = SingleDiagnostic(set, "PDA1003", 7, 33);
        Assert.Contains("cannot unmarshal bool into Go struct field EntityRule.spec.ingress.destination.ports of type numorstring.Port", diagnostic.Message);
        Assert.Equal("80", Assert.Single(set.Policies[0].Ingress[0].Destination.Ports).Value);
    }

    [Fact]
    public void A_list_where_labels_belong()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: t\n  labels: [a]\n");
        Assert.Contains("of type map[string]string", SingleDiagnostic(set, "PDA1003", 5, 11).Message);
    }

    [Fact]
    public void Yaml_syntax_error_is_reported_where_yamldotnet_stops()
    {
        var set = Load(Gnp + "spec:\n  selector: a: b\n");
        var diagnostic = SingleDiagnostic(set, "PDA1001", 5, 14);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Empty(set.Policies);
    }

    [Fact]
    public void Malformed_flow_sequence_is_a_syntax_error_not_an_exception()
    {
        var set = Load("a: [1, 2\nb: c\n");
        Assert.Equal("PDA1001", Assert.Single(set.Diagnostics.Items).Id);
    }

    [Fact]
    public void Documents_before_a_syntax_error_are_kept()
    {
        var set = Load(Gnp + "---\n" + Gnp + "spec: {selector: [}\n");
        Assert.Single(set.Policies);
        Assert.Equal("PDA1001", Assert.Single(set.Diagnostics.Items).Id);
    }

    [Fact]
    public void Duplicate_key_is_reported_at_the_second_occurrence()
    {
        var set = Load(Gnp + "spec:\n  order: 1\n  selector: all()\n  order: 2\n");
        var diagnostic = SingleDiagnostic(set, "PDA1007", 7, 3);
        Assert.Equal("mapping key \"order\" already defined at line 5", diagnostic.Message);
        Assert.Equal(1.0, set.Policies[0].Order);
    }

    [Fact]
    public void Duplicate_label_is_reported()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  name: t\n  labels:\n    a: x\n    a: y\n");
        SingleDiagnostic(set, "PDA1007", 7, 5);
    }

    [Fact]
    public void Missing_kind()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nmetadata: {name: p}\n");
        Assert.Contains("kind is missing", SingleDiagnostic(set, "PDA1004", 1, 1).Message);
    }

    [Fact]
    public void Missing_api_version_in_second_document()
    {
        var set = Load(Gnp + "---\nkind: Tier\nmetadata: {name: t}\n");
        SingleDiagnostic(set, "PDA1004", 5, 1);
        Assert.Single(set.Policies);
        Assert.Empty(set.Tiers);
    }

    [Fact]
    public void Wrong_api_version()
    {
        var set = Load("apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\n");
        Assert.Contains("networking.k8s.io/v1", SingleDiagnostic(set, "PDA1005", 1, 13).Message);
        Assert.Empty(set.Policies);
    }

    [Fact]
    public void Unsupported_kind_lists_the_supported_ones()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata: {name: p}\n");
        var message = SingleDiagnostic(set, "PDA1006", 2, 7).Message;
        Assert.Contains("\"BGPPeer\"", message);
        Assert.Contains("GlobalNetworkPolicy, NetworkPolicy, HostEndpoint", message);
    }

    [Fact]
    public void Missing_name_skips_the_resource()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: Tier\nmetadata:\n  labels: {a: b}\n");
        SingleDiagnostic(set, "PDA1008", 4, 3);
        Assert.Empty(set.Tiers);
    }

    [Fact]
    public void Namespace_on_a_cluster_scoped_kind()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: p\n  namespace: prod\n");
        SingleDiagnostic(set, "PDA1010", 5, 14);
        Assert.Null(set.Policies[0].Namespace);
    }

    [Fact]
    public void Typed_list_item_of_another_kind()
    {
        var set = Load("apiVersion: projectcalico.org/v3\nkind: TierList\nitems:\n  - {metadata: {name: a}}\n  - {kind: Profile, metadata: {name: b}}\n");
        SingleDiagnostic(set, "PDA1011", 5, 12);
        Assert.Equal("a", Assert.Single(set.Tiers).Name);
        Assert.Empty(set.Profiles);
    }

    [Fact]
    public void A_document_that_is_not_a_mapping()
    {
        var set = Load("- just\n- a list\n");
        SingleDiagnostic(set, "PDA1003", 1, 1);
    }

    [Fact]
    public void An_unknown_alias()
    {
        var set = Load(Gnp + "spec: {selector: *nothing}\n");
        SingleDiagnostic(set, "PDA1001", 4, 18);
    }

    [Fact]
    public void Field_names_matched_only_ignoring_case_warn_but_are_read()
    {
        var set = Load(Gnp + "spec:\n  Selector: all()\n");
        var diagnostic = SingleDiagnostic(set, "PDA1012", 5, 3);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.False(set.HasErrors);
        Assert.Equal("all()", set.Policies[0].Selector);
        Assert.True(set.Policies[0].Has("selector"));
    }

    [Fact]
    public void Several_errors_in_one_file_are_all_reported_and_good_resources_still_load()
    {
        var set = Load("""
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: first}
            spec:
              order: high
              ingress:
                - action: Allow
                  protocoll: TCP
            ---
            apiVersion: projectcalico.org/v2
            kind: GlobalNetworkPolicy
            metadata: {name: old}
            ---
            apiVersion: projectcalico.org/v3
            kind: Tier
            metadata: {name: good}
            spec: {order: 5}
            ---
            apiVersion: projectcalico.org/v3
            kind: HostEndpoint
            metadata: {name: h, namespace: x}
            spec: {node: n, expectedIPs: 10.0.0.1}
            """);

        var found = set.Diagnostics.Sorted().Select(d => (d.Id, d.Location.Line, d.Location.Column)).ToArray();
        Assert.Equal(new[]
        {
            ("PDA1003", 5, 10),
            ("PDA1002", 8, 7),
            ("PDA1005", 10, 13),
            ("PDA1010", 21, 32),
            ("PDA1003", 22, 30),
        }, found);
        Assert.Equal("good", Assert.Single(set.Tiers).Name);
        Assert.Equal("first", Assert.Single(set.Policies).Name);
        Assert.Single(set.HostEndpoints);
    }
}
