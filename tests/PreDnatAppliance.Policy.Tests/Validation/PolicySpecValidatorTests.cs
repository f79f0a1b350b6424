using PreDnatAppliance.Policy.Resources;
using static PreDnatAppliance.Policy.Tests.Validation.ValidationTestKit;

namespace PreDnatAppliance.Policy.Tests.Validation;

public class PolicySpecValidatorTests
{
    private static PolicyResource PreDnatPolicy()
    {
        var policy = Gnp("allow-nodeport").With("preDNAT", 6, 12).With("applyOnForward", 7, 19);
        policy.PreDnat = true;
        policy.ApplyOnForward = true;
        policy.Ingress.Add(Rule());
        return policy;
    }

    [Fact]
    public void Canonical_pre_dnat_policy_is_clean()
    {
        Assert.Empty(Validate(PreDnatPolicy()));
    }

    [Fact]
    public void PreDnat_and_doNotTrack_together_is_rejected_at_preDNAT()
    {
        var policy = PreDnatPolicy();
        policy.DoNotTrack = true;
        var d = Single(Errors(policy), "PDA1101");
        Assert.Equal("preDNAT and doNotTrack cannot both be true", d.Message);
        Assert.Equal(At(6, 12), d.Location);
    }

    [Fact]
    public void PreDnat_with_egress_rules_is_rejected_at_egress()
    {
        var policy = PreDnatPolicy().With("egress", 20, 5);
        policy.Egress.Add(Rule(line: 21));
        var d = Single(Errors(policy), "PDA1102");
        Assert.Equal("preDNAT policy cannot have any egress rules", d.Message);
        Assert.Equal(At(20, 5), d.Location);
    }

    [Fact]
    public void PreDnat_with_egress_type_points_at_that_type()
    {
        var policy = PreDnatPolicy();
        policy.Types = new() { L("Ingress", 8, 12), L("Egress", 8, 21) };
        var d = Single(Errors(policy), "PDA1103");
        Assert.Equal("preDNAT policy cannot have 'Egress' type", d.Message);
        Assert.Equal(At(8, 21), d.Location);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void PreDnat_or_doNotTrack_need_applyOnForward(bool preDnat, bool doNotTrack)
    {
        var policy = Gnp().With("preDNAT", 6, 12).With("doNotTrack", 6, 12);
        policy.PreDnat = preDnat;
        policy.DoNotTrack = doNotTrack;
        var d = Single(Errors(policy), "PDA1104");
        Assert.Equal("applyOnForward must be true if either preDNAT or doNotTrack is true", d.Message);
        Assert.Equal(At(6, 12), d.Location);
    }

    [Fact]
    public void Types_must_be_exact_and_unique()
    {
        var policy = Gnp();
        policy.Types = new() { L("ingress", 8, 12), L("Egress", 8, 21), L("Egress", 8, 29) };
        var errors = Errors(policy);
        Assert.Equal("Unsupported value: \"ingress\": supported values: \"Ingress\", \"Egress\"", Single(errors, "PDA1105").Message);
        var repeat = Single(errors, "PDA1106");
        Assert.Equal("'Egress' type specified more than once", repeat.Message);
        Assert.Equal(At(8, 29), repeat.Location);
    }

    [Theory]
    [InlineData("selector")]
    [InlineData("serviceAccountSelector")]
    [InlineData("namespaceSelector")]
    public void Global_is_not_allowed_in_policy_level_selectors(string field)
    {
        var policy = Gnp().With(field, 9, 15);
        switch (field)
        {
            case "selector": policy.Selector = "global()"; break;
            case "serviceAccountSelector": policy.ServiceAccountSelector = "has(a) && global()"; break;
            default: policy.NamespaceSelector = "global()"; break;
        }
        var d = Single(Errors(policy), "PDA1107");
        Assert.Equal("global() can only be used in an EntityRule namespaceSelector", d.Message);
        Assert.Equal(At(9, 15), d.Location);
    }

    [Fact]
    public void Invalid_policy_selector_is_reported_with_the_parser_message()
    {
        var policy = Gnp().With("selector", 9, 15);
        policy.Selector = "thing=hello &";
        var d = Single(Errors(policy), "PDA1301");
        Assert.Equal(At(9, 15), d.Location);
        Assert.False(string.IsNullOrEmpty(d.Message));
    }

    [Fact]
    public void Selector_longer_than_1024_is_rejected()
    {
        var policy = Gnp().With("selector", 9, 15);
        policy.Selector = "has(" + new string('a', 1100) + ")";
        Assert.Equal("Too long: may not be more than 1024 bytes", Single(Errors(policy), "PDA1302").Message);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void Order_must_be_finite(double order)
    {
        var policy = Gnp().With("order", 5, 10);
        policy.Order = order;
        Assert.Equal(At(5, 10), Single(Errors(policy), "PDA1110").Location);
    }

    [Theory]
    [InlineData("allow-web", true)]
    [InlineData("default.allow-web", true)]
    [InlineData("a.b.c", false)]
    [InlineData("Allow", false)]
    [InlineData("-x", false)]
    [InlineData("x_y", false)]
    public void Global_policy_names_follow_calico(string name, bool valid)
    {
        var errors = Errors(Gnp(name));
        Assert.Equal(valid, errors.All(d => d.Id != "PDA1109"));
        if (!valid)
            Assert.Equal("name must consist of lower case alphanumeric characters or '-' (regex: [a-z0-9]([-a-z0-9]*[a-z0-9])?)", Single(errors, "PDA1109").Message);
    }

    [Theory]
    [InlineData("knp.default.web.frontend", true)]
    [InlineData("ossg.default.sg-1", true)]
    [InlineData("a.b.c", false)]
    public void Namespaced_policy_names_allow_kubernetes_prefixes(string name, bool valid)
    {
        Assert.Equal(valid, Errors(Np(name)).All(d => d.Id != "PDA1109"));
    }

    [Fact]
    public void Policy_name_too_long_reports_the_excess()
    {
        var d = Single(Errors(Gnp(new string('a', 260))), "PDA1109");
        Assert.Equal("name is too long by 7 bytes", d.Message);
        Assert.Equal(At(3, 9), d.Location);
    }

    [Fact]
    public void A_name_prefix_naming_another_tier_is_a_warning_only()
    {
        var tier = new Tier { Order = 100, Location = At(30) };
        tier.Metadata.Name = "security";
        var policy = Gnp("platform.allow-dns");
        policy.Tier = "security";
        var diagnostics = Validate(policy, tier);
        Assert.DoesNotContain(diagnostics, d => d.Severity == Diagnostics.DiagnosticSeverity.Error);
        Assert.Contains("Incorrectly formatted policy name platform.allow-dns", Single(diagnostics, "PDA1112").Message);
    }

    [Fact]
    public void Global_policy_rule_lists_are_limited_to_1024()
    {
        var policy = Gnp().With("ingress", 12, 3);
        for (var i = 0; i < 1025; i++)
            policy.Ingress.Add(Rule(line: 13 + i));
        Assert.Equal("Too many: 1025: must have at most 1024 items", Single(Errors(policy), "PDA1111").Message);
    }

    [Fact]
    public void Performance_hints_are_an_enum()
    {
        var policy = Gnp();
        policy.PerformanceHints.Add(L("AssumeNeededOnEveryNode", 9));
        policy.PerformanceHints.Add(L("Fast", 10));
        Assert.Equal(At(10), Single(Errors(policy), "PDA1113").Location);
    }

    [Fact]
    public void Reports_every_error_not_just_the_first()
    {
        var policy = Gnp("Bad_Name").With("preDNAT", 6, 12).With("egress", 20, 5);
        policy.PreDnat = true;
        policy.DoNotTrack = true;
        policy.Egress.Add(Rule("allow", 21));
        var ids = Errors(policy).Select(d => d.Id).ToHashSet();
        Assert.Superset(new HashSet<string> { "PDA1101", "PDA1102", "PDA1104", "PDA1109", "PDA1120" }, ids);
    }
}
