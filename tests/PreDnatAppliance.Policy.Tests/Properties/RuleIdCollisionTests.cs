using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Tests.Properties;

/// <summary>
/// RuleIds are 32-bit FNV-1a hashes of (owner, direction, index), re-salted on collision by RuleIdAllocator in the
/// order the compiler happens to allocate them (program by program, policies in evaluation order). Random
/// generation never hits a collision, so these cases use a constructed pair: the ingress rule 0 keys of the
/// GlobalNetworkPolicies "c650978" and "c1040080" hash to the same value (0xdabcc54e).
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
    public void The_constructed_keys_collide_and_the_allocator_still_keeps_ids_unique()
    {
        var a = RuleIdAllocator.PolicyRuleKey($"GlobalNetworkPolicy/{First}", Direction.Ingress, 0);
        var b = RuleIdAllocator.PolicyRuleKey($"GlobalNetworkPolicy/{Second}", Direction.Ingress, 0);
        Assert.Equal(RuleId.FromKey(a), RuleId.FromKey(b));

        var compiled = VerdictComparison.Compile(Set(Policy(First, 1, "Deny"), Policy(Second, 10, "Allow")));
        Assert.NotEqual(IdOf(compiled, First), IdOf(compiled, Second));
    }

    /// <summary>
    /// BUG: adding a policy whose rule key collides with an existing rule's, and that the compiler reaches first,
    /// takes the existing rule's RuleId; the existing rule is re-salted to a new ID. docs/architecture.md promises a
    /// RuleId "stays the same when unrelated policy changes". Not a small fix: allocating in a canonical (sorted key)
    /// order would make IDs independent of policy order, but a 32-bit ID cannot be both unique and stable under every
    /// addition; the options are a wider ID, or reporting collisions as a diagnostic so the operator renames.
    /// </summary>
    [Fact(Skip = "BUG: a colliding RuleId is re-salted in allocation order, so adding an unrelated policy can change an existing rule's RuleId")]
    public void Adding_a_colliding_policy_does_not_change_an_existing_rules_id()
    {
        var before = VerdictComparison.Compile(Set(Policy(Second, 10, "Allow")));
        var after = VerdictComparison.Compile(Set(Policy(Second, 10, "Allow"), Policy(First, 1, "Deny")));
        Assert.Equal(IdOf(before, Second), IdOf(after, Second));
    }

    /// <summary>BUG (same cause): changing only the orders of two colliding policies swaps their RuleIds, although a
    /// RuleId is meant to depend on what a rule is, never on where it lands in a program.</summary>
    [Fact(Skip = "BUG: colliding RuleIds are assigned in evaluation order, so reordering policies swaps them")]
    public void Reordering_colliding_policies_keeps_their_ids()
    {
        var one = VerdictComparison.Compile(Set(Policy(First, 1, "Deny"), Policy(Second, 10, "Allow")));
        var other = VerdictComparison.Compile(Set(Policy(First, 10, "Deny"), Policy(Second, 1, "Allow")));
        Assert.Equal(IdOf(one, First), IdOf(other, First));
        Assert.Equal(IdOf(one, Second), IdOf(other, Second));
    }
}
