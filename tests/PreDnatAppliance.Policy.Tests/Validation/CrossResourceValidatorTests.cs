using PreDnatAppliance.Policy.Resources;
using static PreDnatAppliance.Policy.Tests.Validation.ValidationTestKit;

namespace PreDnatAppliance.Policy.Tests.Validation;

public class CrossResourceValidatorTests
{
    [Fact]
    public void Duplicate_is_reported_at_the_second_definition()
    {
        var first = Gnp("allow-ssh", line: 1);
        var second = Gnp("allow-ssh", line: 20);
        var d = Single(Errors(second, first), "PDA1201");
        Assert.Equal(At(22, 9), d.Location);
        Assert.Equal("resource already exists: GlobalNetworkPolicy(allow-ssh) (first defined at test.yaml(3,9))", d.Message);
    }

    [Fact]
    public void Same_name_in_other_kind_or_namespace_is_not_a_duplicate()
    {
        Assert.Empty(Errors(Gnp("x", 1), Np("x", "a", 20), Np("x", "b", 40)));
    }

    [Fact]
    public void Namespaced_resource_without_namespace_is_in_default()
    {
        var d = Single(Errors(Np("x", null, 1), Np("x", "default", 20)), "PDA1201");
        Assert.Contains("NetworkPolicy(default/x)", d.Message);
    }

    [Fact]
    public void Policy_tier_must_exist_unless_built_in()
    {
        var policy = Gnp().With("tier", 5, 9);
        policy.Tier = "security";
        var d = Single(Errors(policy), "PDA1202");
        Assert.StartsWith("resource does not exist: Tier(security)", d.Message);
        Assert.Equal(At(5, 9), d.Location);

        var tier = new Tier { Order = 10, Location = At(40) };
        tier.Metadata.Name = "security";
        Assert.Empty(Errors(policy, tier));

        foreach (var builtIn in new[] { "default", "kube-admin", "kube-baseline" })
        {
            var p = Gnp($"{builtIn}.p");
            p.Tier = builtIn;
            Assert.Empty(Errors(p));
        }
    }

    [Fact]
    public void Endpoint_profiles_must_be_defined()
    {
        var hep = new HostEndpoint { Node = "n", InterfaceName = "eth0", Location = At(1) };
        hep.Metadata.Name = "h";
        hep.Profiles.Add(L("projectcalico-default-allow", 6));
        hep.Profiles.Add(L("kns.prod", 7, 9));
        hep.Profiles.Add(L("edge", 8, 9));
        var errors = Errors(hep);
        var unknown = errors.Where(d => d.Id == "PDA1203").ToList();
        Assert.Equal(2, unknown.Count);
        Assert.Equal(At(7, 9), unknown[0].Location);
        Assert.Contains("kns.* and ksa.*", unknown[0].Message);

        var profile = new Profile { Location = At(30) };
        profile.Metadata.Name = "edge";
        Assert.Single(Errors(hep, profile), d => d.Id == "PDA1203");
    }

    [Fact]
    public void Felix_configuration_names()
    {
        FelixConfiguration Named(string name, int line)
        {
            var f = new FelixConfiguration { Location = At(line) };
            f.Metadata.Name = name;
            f.Metadata.SetFieldLocation("name", At(line + 2, 9));
            return f;
        }

        var all = Validate(Named("default", 1), Named("node.node1", 10), Named("custom", 20), Named("default", 30));
        Assert.Equal(At(22, 9), Single(all, "PDA1204").Location);
        Assert.Equal(At(32, 9), Single(all, "PDA1201").Location);
    }

    [Fact]
    public void Validator_never_throws_on_odd_input()
    {
        var policy = new PolicyResource(isGlobal: true);
        policy.Ingress.Add(new Rule { Protocol = new Diagnostics.Located<string>(null!, default) });
        policy.Metadata.Name = null!;
        var set = new PolicySet();
        set.Add(policy);
        PreDnatAppliance.Policy.Validation.PolicyValidator.Validate(set);
        Assert.True(set.HasErrors);
    }
}
