using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>
/// RuleIds are 48-bit hashes of (owner, direction, index) and never re-salted, so an ID depends only on what the
/// rule is. The policies "c650978" and "c1040080" collided under the earlier 32-bit hash (0xdabcc54e); they
/// pin down that adding or reordering such a pair leaves every ID alone. A real collision is a build error.
/// </summary>
public sealed class RuleIdCollisionTests
{
    private const string First = "c650978";
    private const string Second = "c1040080";

    private static RuleModel Rule(string action) =>
        new(action, null, null, null, null, null, EntityModel.Empty, EntityModel.Empty);

    private static PolicyModel Policy(string name, double order, string action) =>
        new(name, null, order, "all()", false, false, false, null, new[] { Rule(action) }, Array.Empty<RuleModel>());

    private static PolicySetModel Set(params PolicyModel[] policies) => new(
        new[] { new HepModel("h1", "eth0", new[] { "10.0.0.1" }, new Dictionary<string, string>(), Array.Empty<PortModel>(), Array.Empty<string>()) },
        Array.Empty<WepModel>(), Array.Empty<TierModel>(), Array.Empty<ProfileModel>(), policies);

    private static RuleId IdOf(CompiledPolicySet compiled, string owner) =>
        compiled.Programs.SelectMany(p => p.AllRules).First(r => r.Owner == owner).Id;

    [Fact]
    public void The_formerly_colliding_pair_has_distinct_ids()
    {
        var compiled = VerdictComparison.Compile(Set(Policy(First, 1, "Deny"), Policy(Second, 10, "Allow")));
        Assert.NotEqual(IdOf(compiled, First), IdOf(compiled, Second));
        Assert.DoesNotContain(compiled.Diagnostics, d => d.Id == "PDA1404");
    }

    [Fact]
    public void A_hash_collision_is_a_build_error_naming_both_rules()
    {
        var set = PolicyProject.LoadTexts(new[] { ("p.yaml", """
            apiVersion: projectcalico.org/v3
            kind: HostEndpoint
            metadata: {name: h1}
            spec: {node: n1, interfaceName: eth0}
            ---
            apiVersion: projectcalico.org/v3
            kind: GlobalNetworkPolicy
            metadata: {name: a}
            spec: {ingress: [{action: Allow}, {action: Deny}]}
            """) });
        var policyRulesCollide = new RuleIdAllocator(key => key.StartsWith("GlobalNetworkPolicy/a/", StringComparison.Ordinal) ? new RuleId(42) : RuleId.FromKey(key));
        var compiled = PolicyCompiler.Compile(set, new CompileOptions(), policyRulesCollide);
        var collision = Assert.Single(compiled.Diagnostics, d => d.Id == "PDA1404" && d.Message.Contains("GlobalNetworkPolicy/a/ingress/1"));
        Assert.Equal(DiagnosticSeverity.Error, collision.Severity);
        Assert.Contains("GlobalNetworkPolicy/a/ingress/0", collision.Message);
    }

    /// <summary>Adding a policy never changes an existing rule's RuleId.</summary>
    [Fact]
    public void Adding_a_colliding_policy_does_not_change_an_existing_rules_id()
    {
        var before = VerdictComparison.Compile(Set(Policy(Second, 10, "Allow")));
        var after = VerdictComparison.Compile(Set(Policy(Second, 10, "Allow"), Policy(First, 1, "Deny")));
        Assert.Equal(IdOf(before, Second), IdOf(after, Second));
    }

    /// <summary>A RuleId depends on what a rule is, never on where it lands in a program.</summary>
    [Fact]
    public void Reordering_colliding_policies_keeps_their_ids()
    {
        var one = VerdictComparison.Compile(Set(Policy(First, 1, "Deny"), Policy(Second, 10, "Allow")));
        var other = VerdictComparison.Compile(Set(Policy(First, 10, "Deny"), Policy(Second, 1, "Allow")));
        Assert.Equal(IdOf(one, First), IdOf(other, First));
        Assert.Equal(IdOf(one, Second), IdOf(other, Second));
    }
}
