using PreDnatAppliance.Policy.Resources;
using static PreDnatAppliance.Policy.Tests.Validation.ValidationTestKit;

namespace PreDnatAppliance.Policy.Tests.Validation;

public class RuleValidatorTests
{
    private static IReadOnlyList<Diagnostics.PolicyDiagnostic> ErrorsOf(Rule rule, bool egress = false)
    {
        var policy = Gnp();
        (egress ? policy.Egress : policy.Ingress).Add(rule);
        return Errors(policy);
    }

    private static IReadOnlyList<Diagnostics.PolicyDiagnostic> AllOf(Rule rule)
    {
        var policy = Gnp();
        policy.Ingress.Add(rule);
        return Validate(policy);
    }

    [Theory]
    [InlineData("Allow")]
    [InlineData("Deny")]
    [InlineData("Log")]
    [InlineData("Pass")]
    public void Calico_actions_are_accepted(string action) => Assert.Empty(ErrorsOf(Rule(action)));

    [Fact]
    public void Action_is_case_sensitive()
    {
        var d = Single(ErrorsOf(Rule("allow")), "PDA1120");
        Assert.Equal("Unsupported value: \"allow\": supported values: \"Allow\", \"Deny\", \"Log\", \"Pass\"", d.Message);
        Assert.Equal(At(10, 13), d.Location);
    }

    [Fact]
    public void Missing_action_is_required()
    {
        var rule = new Rule { Location = At(10, 5) };
        var d = Single(ErrorsOf(rule), "PDA1120");
        Assert.StartsWith("Required value", d.Message);
        Assert.Equal(At(10, 5), d.Location);
    }

    [Fact]
    public void IpVersion_is_4_or_6()
    {
        var rule = Rule().With("ipVersion", 11, 16);
        rule.IpVersion = 5;
        var d = Single(ErrorsOf(rule), "PDA1121");
        Assert.Equal("Unsupported value: 5: supported values: 4, 6", d.Message);
        Assert.Equal(At(11, 16), d.Location);
    }

    [Theory]
    [InlineData("TCP", null)]
    [InlineData("UDPLite", null)]
    [InlineData("ICMPv6", null)]
    [InlineData("1", null)]
    [InlineData("255", null)]
    [InlineData("0", "protocol number invalid")]
    [InlineData("256", "protocol name invalid")]
    [InlineData("tcpfoo", "protocol name invalid")]
    [InlineData("tcp", "protocol name invalid (Calico's protocol names are case-sensitive: use \"TCP\")")]
    public void Protocols_follow_numorstring(string protocol, string? error)
    {
        var rule = Rule();
        rule.Protocol = L(protocol, 12, 15);
        rule.NotProtocol = L(protocol, 13, 18);
        var errors = ErrorsOf(rule).Where(d => d.Id == "PDA1122").ToList();
        if (error is null)
        {
            Assert.Empty(errors);
            return;
        }
        Assert.Equal(2, errors.Count);
        Assert.Equal($"{error}: \"{protocol}\"", errors[0].Message);
        Assert.Equal(At(12, 15), errors[0].Location);
        Assert.Equal(At(13, 18), errors[1].Location);
    }

    [Fact]
    public void Icmp_needs_an_icmp_protocol()
    {
        var rule = Rule().With("icmp", 12, 11);
        rule.Protocol = L("TCP", 11, 15);
        rule.Icmp = new IcmpFields { Type = 8, Location = At(12, 11) };
        var d = Single(ErrorsOf(rule), "PDA1123");
        Assert.Equal("ICMP fields require protocol to be ICMP or ICMPv6", d.Message);
        Assert.Equal(At(12, 11), d.Location);
    }

    [Fact]
    public void Icmp_without_any_protocol_is_rejected()
    {
        var rule = Rule();
        rule.Icmp = new IcmpFields { Type = 8 };
        Single(ErrorsOf(rule), "PDA1123");
    }

    [Fact]
    public void NotIcmp_without_icmp_protocol_is_only_a_warning()
    {
        var rule = Rule().With("notICMP", 12, 14);
        rule.Protocol = L("TCP", 11, 15);
        rule.NotIcmp = new IcmpFields { Type = 8 };
        var all = AllOf(rule);
        Assert.DoesNotContain(all, d => d.Severity == Diagnostics.DiagnosticSeverity.Error);
        Assert.Equal(At(12, 14), Single(all, "PDA1127").Location);
    }

    [Theory]
    [InlineData(255, null, "icmp.type in body should be less than or equal to 254")]
    [InlineData(-1, null, "icmp.type in body should be greater than or equal to 0")]
    [InlineData(8, 256, "icmp.code in body should be less than or equal to 255")]
    public void Icmp_type_and_code_ranges(int type, int? code, string expected)
    {
        var rule = Rule();
        rule.Protocol = L("ICMP", 11, 15);
        rule.Icmp = new IcmpFields { Type = type, Code = code };
        Assert.EndsWith(expected, Single(ErrorsOf(rule), "PDA1124").Message);
    }

    [Fact]
    public void Icmp_code_needs_a_type_also_in_notICMP()
    {
        var rule = Rule();
        rule.Protocol = L("ICMP", 11, 15);
        rule.NotIcmp = new IcmpFields { Code = 0 }.With("code", 13, 15);
        var d = Single(ErrorsOf(rule), "PDA1125");
        Assert.Equal("ICMP code specified without an ICMP type", d.Message);
        Assert.Equal(At(13, 15), d.Location);
    }

    [Theory]
    [InlineData("ICMP", 6, "protocol ICMP requires ipVersion 4")]
    [InlineData("1", 6, "protocol ICMP requires ipVersion 4")]
    [InlineData("ICMPv6", 4, "protocol ICMPv6 requires ipVersion 6")]
    public void Icmp_protocol_must_match_ipVersion(string protocol, int version, string message)
    {
        var rule = Rule().With("ipVersion", 11, 16);
        rule.IpVersion = version;
        rule.Protocol = L(protocol, 12, 15);
        var d = Single(ErrorsOf(rule), "PDA1126");
        Assert.Equal(message, d.Message);
        Assert.Equal(At(11, 16), d.Location);
    }

    [Fact]
    public void Icmp_without_ipVersion_is_fine()
    {
        var rule = Rule();
        rule.Protocol = L("ICMPv6", 12, 15);
        rule.Icmp = new IcmpFields { Type = 128, Code = 0 };
        Assert.Empty(ErrorsOf(rule));
    }

    [Fact]
    public void Numeric_ports_need_a_protocol()
    {
        var rule = Rule();
        rule.Destination.With("ports", 14, 16);
        rule.Destination.Ports.Add(L("80", 14, 17));
        var d = Single(ErrorsOf(rule), "PDA1130");
        Assert.Equal("rules with numeric port or port range must set protocol to TCP or UDP or SCTP", d.Message);
        Assert.Equal(At(14, 16), d.Location);
    }

    [Fact]
    public void Named_ports_alone_do_not_need_a_protocol()
    {
        var rule = Rule();
        rule.Destination.Ports.Add(L("https-np", 14, 17));
        Assert.Empty(ErrorsOf(rule));
    }

    [Fact]
    public void Ports_with_a_portless_protocol_are_rejected_even_when_named()
    {
        var rule = Rule();
        rule.Protocol = L("ICMP", 11, 15);
        rule.Source.With("notPorts", 14, 19);
        rule.Source.NotPorts.Add(L("https-np", 14, 20));
        var d = Single(ErrorsOf(rule), "PDA1130");
        Assert.Equal("rules that specify ports must set protocol to TCP or UDP or SCTP", d.Message);
    }

    [Theory]
    [InlineData("2000:1000", "minimum port number (2000) is greater than maximum port number (1000) in port range")]
    [InlineData("65536", "port number 65536 is out of range: must be 0-65535")]
    [InlineData("bad name", "invalid port name: 'bad name'")]
    [InlineData("0", "port range invalid, port number must be between 1 and 65535")]
    [InlineData("0:10", "port range invalid, port number must be between 1 and 65535")]
    public void Port_items_are_checked(string item, string message)
    {
        var rule = Rule();
        rule.Protocol = L("TCP", 11, 15);
        rule.Destination.Ports.Add(L(item, 14, 17));
        var d = Single(ErrorsOf(rule), "PDA1128");
        Assert.Equal(message, d.Message);
        Assert.Equal(At(14, 17), d.Location);
    }

    [Fact]
    public void At_most_50_ports()
    {
        var rule = Rule();
        rule.Protocol = L("TCP", 11, 15);
        for (var i = 1; i <= 51; i++)
            rule.Destination.Ports.Add(L(i.ToString(), 14));
        Assert.Equal("Too many: 51: must have at most 50 items", Single(ErrorsOf(rule), "PDA1129").Message);
    }

    [Theory]
    [InlineData("10.0.0.0/8", null)]
    [InlineData("2001:db8::/32", null)]
    [InlineData("10.0.0.1", "invalid CIDR: \"10.0.0.1\" (write a single address as 10.0.0.1/32)")]
    [InlineData("10.1.2.3/16", "invalid CIDR: \"10.1.2.3/16\" has host bits set; Calico requires a masked network such as 10.1.0.0/16")]
    [InlineData("10.0.0.0/33", "invalid CIDR: \"10.0.0.0/33\"")]
    [InlineData("garbage", "invalid CIDR: \"garbage\"")]
    public void Rule_nets_are_masked_cidrs(string net, string? message)
    {
        var rule = Rule();
        rule.Source.Nets.Add(L(net, 15, 18));
        var errors = ErrorsOf(rule);
        if (message is null)
        {
            Assert.Empty(errors);
            return;
        }
        var d = Single(errors, "PDA1131");
        Assert.Equal(message, d.Message);
        Assert.Equal(At(15, 18), d.Location);
    }

    [Fact]
    public void At_most_256_nets()
    {
        var rule = Rule();
        for (var i = 0; i < 257; i++)
            rule.Destination.NotNets.Add(L($"10.{i / 256}.{i % 256}.0/24", 15));
        Assert.Equal("Too many: 257: must have at most 256 items", Single(ErrorsOf(rule), "PDA1132").Message);
    }

    [Fact]
    public void Mixing_families_is_reported_on_the_list_that_mixes()
    {
        var rule = Rule();
        rule.Source.Nets.Add(L("10.0.0.0/8", 15, 18));
        rule.Destination.With("notNets", 17, 18);
        rule.Destination.NotNets.Add(L("2001:db8::/32", 17, 19));
        var d = Single(ErrorsOf(rule), "PDA1133");
        Assert.Equal("rule contains both IPv4 and IPv6 CIDRs", d.Message);
        Assert.Equal(At(17, 18), d.Location);
    }

    [Fact]
    public void Cidr_family_must_match_ipVersion()
    {
        var rule = Rule();
        rule.IpVersion = 6;
        rule.Source.With("nets", 15, 15);
        rule.Source.Nets.Add(L("10.0.0.0/8", 15, 16));
        var d = Single(ErrorsOf(rule), "PDA1134");
        Assert.Equal("rule IP version doesn't match CIDR version", d.Message);
        Assert.Equal(At(15, 15), d.Location);
    }

    [Theory]
    [InlineData("0.0.0.0/0", true)]
    [InlineData("::/0", true)]
    [InlineData("0.0.0.0/1", false)]
    public void Catch_all_in_notNets_is_a_contradiction(string net, bool rejected)
    {
        var rule = Rule();
        rule.Source.NotNets.Add(L(net, 16, 19));
        var errors = ErrorsOf(rule);
        Assert.Equal(rejected, errors.Any(d => d.Id == "PDA1135"));
        if (rejected)
            Assert.Equal("catch-all CIDR in negation creates logical contradiction (matches no traffic)", Single(errors, "PDA1135").Message);
    }

    [Fact]
    public void Catch_all_in_nets_is_fine()
    {
        var rule = Rule();
        rule.Source.Nets.Add(L("0.0.0.0/0", 16, 19));
        Assert.Empty(ErrorsOf(rule));
    }

    [Fact]
    public void Entity_selectors_are_parsed_and_global_is_restricted()
    {
        var rule = Rule();
        rule.Source.With("selector", 11, 17).With("namespaceSelector", 12, 26);
        rule.Source.Selector = "global()";
        rule.Source.NamespaceSelector = "global() && has(x)";
        rule.Destination.With("notSelector", 14, 20);
        rule.Destination.NotSelector = "a = 'b'";
        var errors = ErrorsOf(rule);
        Assert.Equal(At(11, 17), Single(errors, "PDA1107").Location);
        Assert.Equal("global() cannot be combined with other selectors", Single(errors, "PDA1108").Message);
        Assert.Equal(At(14, 20), Single(errors, "PDA1301").Location);
    }

    [Fact]
    public void Namespace_selector_of_exactly_global_is_allowed()
    {
        var rule = Rule();
        rule.Source.NamespaceSelector = "global()";
        rule.Source.Selector = "has(host-endpoint)";
        Assert.Empty(ErrorsOf(rule));
    }

    [Fact]
    public void Service_account_selector_and_names_are_checked()
    {
        var rule = Rule();
        rule.Source.ServiceAccounts = new ServiceAccountMatch { Selector = "a = b" }.With("selector", 13, 20);
        rule.Source.ServiceAccounts.Names.Add(L("Bad_Name", 14, 16));
        var errors = ErrorsOf(rule);
        Assert.Equal(At(13, 20), Single(errors, "PDA1301").Location);
        Assert.Equal(At(14, 16), Single(errors, "PDA1109").Location);
    }

    [Fact]
    public void Services_cannot_be_combined_with_other_matches()
    {
        var rule = Rule();
        rule.Source.With("services", 12, 9);
        rule.Source.Services = new ServiceMatch { Name = "web", Namespace = "prod" };
        rule.Source.Selector = "has(a)";
        rule.Source.NamespaceSelector = "has(b)";
        rule.Source.Nets.Add(L("10.0.0.0/8", 13));
        rule.Source.ServiceAccounts = new ServiceAccountMatch();
        var messages = ErrorsOf(rule).Where(d => d.Id == "PDA1136").Select(d => d.Message).ToList();
        Assert.Equal(4, messages.Count);
        Assert.Contains("cannot specify Selector/NotSelector and Services on the same rule", messages);
        Assert.Contains("cannot specify NamespaceSelector and Services on the same rule", messages);
        Assert.Contains("cannot specify Nets/NotNets and Services on the same rule", messages);
        Assert.Contains("cannot specify ServiceAccounts and Services on the same rule", messages);
    }

    [Fact]
    public void Destination_services_cannot_have_ports_but_ingress_source_services_can()
    {
        var egress = Rule();
        egress.Protocol = L("TCP", 11);
        egress.Destination.Services = new ServiceMatch { Name = "web", Namespace = "prod" };
        egress.Destination.Ports.Add(L("80", 14));
        Assert.Equal("ports and notPorts cannot be specified with services", Single(ErrorsOf(egress, egress: true), "PDA1136").Message);

        var ingress = Rule();
        ingress.Protocol = L("TCP", 11);
        ingress.Source.Services = new ServiceMatch { Name = "web", Namespace = "prod" };
        ingress.Source.Ports.Add(L("80", 14));
        Assert.Empty(ErrorsOf(ingress));
    }

    [Fact]
    public void Services_placement_follows_direction()
    {
        var ingress = Rule();
        ingress.Destination.Services = new ServiceMatch { Name = "web", Namespace = "prod" };
        Assert.Equal("not allowed in ingress rule destination", Single(ErrorsOf(ingress), "PDA1137").Message);

        var egress = Rule();
        egress.Source.Services = new ServiceMatch { Name = "web", Namespace = "prod" };
        Assert.Equal("not allowed in egress rule source", Single(ErrorsOf(egress, egress: true), "PDA1137").Message);
    }

    [Fact]
    public void Services_need_a_name_and_in_a_global_policy_a_namespace()
    {
        var rule = Rule();
        rule.Source.Services = new ServiceMatch();
        var messages = ErrorsOf(rule).Where(d => d.Id == "PDA1138").Select(d => d.Message).ToList();
        Assert.Contains("services must specify a service name", messages);
        Assert.Contains("must specify a namespace", messages);
    }

    [Fact]
    public void Http_match_is_a_warning_on_a_valid_rule()
    {
        var rule = Rule().With("http", 16, 7);
        rule.HasHttpMatch = true;
        var all = AllOf(rule);
        Assert.DoesNotContain(all, d => d.Severity == Diagnostics.DiagnosticSeverity.Error);
        Assert.Equal(At(16, 7), Single(all, "PDA1139").Location);
    }

    [Fact]
    public void Http_match_follows_calico_rules()
    {
        var rule = Rule("Deny");
        rule.HasHttpMatch = true;
        rule.Protocol = L("UDP", 11);
        var messages = ErrorsOf(rule, egress: true).Where(d => d.Id == "PDA1140").Select(d => d.Message).ToList();
        Assert.Contains("HTTP match is only valid on Allow rules", messages);
        Assert.Contains("rules with HTTP match must have protocol TCP or unset", messages);
        Assert.Contains("not allowed in egress rules", messages);
    }
}
