using PreDnatAppliance.Policy.Resources;
using static PreDnatAppliance.Policy.Tests.Validation.ValidationTestKit;

namespace PreDnatAppliance.Policy.Tests.Validation;

public class ResourceValidatorTests
{
    private static HostEndpoint Hep(string name = "node1-eth0", int line = 1)
    {
        var hep = new HostEndpoint { Node = "node1", InterfaceName = "eth0", Location = At(line), SpecLocation = At(line + 4, 3) };
        hep.Metadata.Name = name;
        hep.Metadata.SetFieldLocation("name", At(line + 2, 9));
        return hep.With("node", line + 5, 9).With("interfaceName", line + 6, 18);
    }

    private static WorkloadEndpoint Wep()
    {
        var wep = new WorkloadEndpoint { Node = "node1", InterfaceName = "cali1234", Location = At(1), SpecLocation = At(5, 3) };
        wep.Metadata.Name = "node1-k8s-pod-eth0";
        wep.Metadata.Namespace = "prod";
        return wep;
    }

    [Fact]
    public void A_typical_host_endpoint_is_clean()
    {
        var hep = Hep();
        hep.ExpectedIPs.Add(L("192.0.2.10", 7));
        hep.Profiles.Add(L("projectcalico-default-allow", 8));
        hep.Ports.Add(new EndpointPort { Name = "https-np", Protocol = "TCP", Port = 30443 });
        Assert.Empty(Validate(hep));
    }

    [Fact]
    public void Host_endpoint_needs_a_node()
    {
        var hep = Hep();
        hep.Node = string.Empty;
        var d = Single(Errors(hep), "PDA1150");
        Assert.Equal("node must be specified", d.Message);
    }

    [Fact]
    public void Host_endpoint_needs_interface_or_expected_ips_reported_at_spec()
    {
        var hep = new HostEndpoint { Node = "node1", Location = At(1), SpecLocation = At(5, 3) };
        hep.Metadata.Name = "h";
        var d = Single(Errors(hep), "PDA1152");
        Assert.Equal("at least one of interfaceName or expectedIPs must be specified", d.Message);
        Assert.Equal(At(5, 3), d.Location);
    }

    [Theory]
    [InlineData("eth0", true)]
    [InlineData("*", true)]
    [InlineData("Valid_Iface.0-9", true)]
    [InlineData("interfaceTooLong", false)]
    [InlineData("eth0:1", false)]
    [InlineData("eth*", false)]
    public void Interface_names(string name, bool valid)
    {
        var hep = Hep();
        hep.InterfaceName = name;
        Assert.Equal(valid, Errors(hep).All(d => d.Id != "PDA1151"));
    }

    [Fact]
    public void Expected_ips_must_be_addresses()
    {
        var hep = Hep();
        hep.ExpectedIPs.Add(L("10.0.0.0/24", 7, 18));
        Assert.Equal(At(7, 18), Single(Errors(hep), "PDA1153").Location);
    }

    [Theory]
    [InlineData("https", "TCP", 443, null)]
    [InlineData("Https", "TCP", 443, "PDA1154")]
    [InlineData("a-very-long-port-name", "TCP", 443, "PDA1154")]
    [InlineData("123", "TCP", 443, "PDA1154")]
    [InlineData("dns", "tcp", 53, "PDA1155")]
    [InlineData("ping", "ICMP", 1, "PDA1155")]
    [InlineData("dns", "17", 53, null)]
    [InlineData("web", "TCP", 0, "PDA1156")]
    [InlineData("web", "TCP", 70000, "PDA1156")]
    public void Endpoint_ports(string name, string protocol, int port, string? id)
    {
        var hep = Hep();
        hep.Ports.Add(new EndpointPort { Name = name, Protocol = protocol, Port = port, Location = At(9, 7) });
        var errors = Errors(hep);
        if (id is null)
            Assert.Empty(errors);
        else
            Single(errors, id);
    }

    [Fact]
    public void Icmp_endpoint_port_uses_calicos_message()
    {
        var hep = Hep();
        hep.Ports.Add(new EndpointPort { Name = "ping", Protocol = "ICMP", Port = 1 });
        Assert.Equal("EndpointPort protocol does not support ports.", Single(Errors(hep), "PDA1155").Message);
    }

    [Fact]
    public void Same_port_name_and_protocol_twice_is_a_warning_but_other_protocol_is_fine()
    {
        var hep = Hep();
        hep.Ports.Add(new EndpointPort { Name = "dns", Protocol = "UDP", Port = 53 });
        hep.Ports.Add(new EndpointPort { Name = "dns", Protocol = "TCP", Port = 53 });
        Assert.Empty(Validate(hep));
        hep.Ports.Add(new EndpointPort { Name = "dns", Protocol = "TCP", Port = 5353 });
        var all = Validate(hep);
        Assert.DoesNotContain(all, d => d.Severity == Diagnostics.DiagnosticSeverity.Error);
        Single(all, "PDA1157");
    }

    [Fact]
    public void Workload_endpoint_networks_are_host_addresses()
    {
        var wep = Wep();
        wep.IpNetworks.Add(L("10.65.0.1/32", 7));
        wep.IpNetworks.Add(L("10.65.0.0/26", 8));
        wep.IpNetworks.Add(L("nonsense", 9));
        var errors = Errors(wep);
        Assert.Equal("IP network contains multiple addresses", Single(errors, "PDA1158").Message);
        Assert.Equal(At(9), Single(errors, "PDA1131").Location);
    }

    [Fact]
    public void Workload_endpoint_needs_node_and_named_ports()
    {
        var wep = Wep();
        wep.Node = "";
        wep.Ports.Add(new EndpointPort { Name = "", Protocol = "TCP", Port = 80 });
        var errors = Errors(wep);
        Single(errors, "PDA1150");
        Assert.Equal("WorkloadEndpointPort name must not be empty if no HostPort is specified", Single(errors, "PDA1154").Message);
    }

    private static Tier MakeTier(string name, double? order, string? action)
    {
        var tier = new Tier { Order = order, DefaultAction = action, Location = At(1), SpecLocation = At(5, 3) };
        tier.Metadata.Name = name;
        return tier.With("order", 6, 10).With("defaultAction", 7, 18);
    }

    [Theory]
    [InlineData("security", 100.0, null, null)]
    [InlineData("security", 100.0, "Pass", null)]
    [InlineData("security", 100.0, "Allow", "PDA1160")]
    [InlineData("security", 100.0, "pass", "PDA1160")]
    [InlineData("sec.urity", 100.0, null, "PDA1109")]
    [InlineData("default", 1000000.0, null, null)]
    [InlineData("default", 1000000.0, "Pass", "PDA1162")]
    [InlineData("default", 5.0, "Deny", "PDA1161")]
    [InlineData("kube-admin", 1000.0, "Pass", null)]
    [InlineData("kube-admin", 1000.0, null, "PDA1162")]
    [InlineData("kube-baseline", null, "Pass", "PDA1161")]
    public void Tiers(string name, double? order, string? action, string? id)
    {
        var errors = Errors(MakeTier(name, order, action));
        if (id is null)
            Assert.Empty(errors);
        else
            Single(errors, id);
    }

    [Fact]
    public void Built_in_tier_messages_are_calicos()
    {
        Assert.Equal("kube-baseline tier order must be 10000000", Single(Errors(MakeTier("kube-baseline", 1, "Pass")), "PDA1161").Message);
        Assert.Equal("The 'kube-admin' tier must have default action 'Pass'", Single(Errors(MakeTier("kube-admin", 1000, "Deny")), "PDA1162").Message);
        Assert.Equal("Unsupported value: \"Allow\": supported values: \"Pass\", \"Deny\"", Single(Errors(MakeTier("t", 1, "Allow")), "PDA1160").Message);
    }

    [Fact]
    public void Network_sets_take_cidrs_or_addresses_and_reserve_the_namespace_label()
    {
        var set = new NetworkSet(isGlobal: true) { Location = At(1) };
        set.Metadata.Name = "blocked";
        set.Metadata.Labels["projectcalico.org/namespace"] = "x";
        set.Nets.Add(L("10.0.0.1", 6));
        set.Nets.Add(L("10.1.2.3/16", 7));
        set.Nets.Add(L("10.0.0.0/40", 8));
        var errors = Errors(set);
        Assert.Equal(At(8), Single(errors, "PDA1131").Location);
        Single(errors, "PDA1181");
    }

    private static FelixConfiguration Felix(string name = "default")
    {
        var felix = new FelixConfiguration { Location = At(1), SpecLocation = At(5, 3) };
        felix.Metadata.Name = name;
        return felix;
    }

    [Fact]
    public void Failsafe_entries()
    {
        var felix = Felix();
        felix.FailsafeInboundHostPorts = new()
        {
            new ProtoPort { Protocol = "TCP", Port = 22, Net = "10.0.0.0/8" },
            new ProtoPort { Protocol = "tcp", Port = 22 }.With("protocol", 8, 17),
            new ProtoPort { Protocol = "ICMP", Port = 1 },
            new ProtoPort { Protocol = "UDP", Port = 70000 },
            new ProtoPort { Protocol = "UDP", Port = 68, Net = "10.0.0.0/99" },
        };
        var errors = Errors(felix);
        var protocols = errors.Where(d => d.Id == "PDA1170").ToList();
        Assert.Equal(2, protocols.Count);
        var lowerCase = Assert.Single(protocols, d => d.Location == At(8, 17));
        Assert.Equal("protocol must be 'TCP' or 'UDP' or 'SCTP'. (use \"TCP\")", lowerCase.Message);
        Single(errors, "PDA1171");
        Single(errors, "PDA1131");
    }

    [Fact]
    public void Node_port_ranges()
    {
        var felix = Felix().With("kubeNodePortRanges", 6, 23);
        felix.KubeNodePortRanges = new() { L("30000:32767", 7), L("named", 8), L("0", 9), L("40000:39999", 10) };
        var errors = Errors(felix).Where(d => d.Id == "PDA1173").ToList();
        Assert.Equal(3, errors.Count);
        Assert.Equal("node port ranges should not contain named ports", errors[0].Message);

        felix.KubeNodePortRanges = Enumerable.Range(0, 8).Select(i => L($"{30000 + i}", 7)).ToList();
        var tooMany = Single(Errors(felix), "PDA1174");
        Assert.Equal("node port ranges list is too long (max 7)", tooMany.Message);
        Assert.Equal(At(6, 23), tooMany.Location);
    }

    [Fact]
    public void Labels_follow_kubernetes_rules()
    {
        var hep = Hep();
        hep.Metadata.Labels["good/label"] = "value";
        hep.Metadata.Labels["bad label"] = "ok";
        hep.Metadata.Labels["role"] = "-edge";
        Assert.Equal(2, Errors(hep).Count(d => d.Id == "PDA1180"));
    }

    [Fact]
    public void Profile_rules_are_validated()
    {
        var profile = new Profile { Location = At(1) };
        profile.Metadata.Name = "edge";
        profile.Ingress.Add(Rule("allow"));
        Single(Errors(profile), "PDA1120");
    }
}
