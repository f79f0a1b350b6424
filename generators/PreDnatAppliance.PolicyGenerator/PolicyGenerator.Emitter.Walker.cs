using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    internal enum RuleDisposition
    {
        /// <summary>Allow or Deny when the condition holds.</summary>
        Decide,

        /// <summary>Skip to the next tier (or, in a profile, the next profile) when the condition holds.</summary>
        Pass,

        /// <summary>Log is not terminal: no effect on the verdict.</summary>
        Log,

        /// <summary>The compiler marked the rule as never matching (its CIDRs do not fit its IP version).</summary>
        NeverMatches,

        /// <summary>The rule cannot match this IP family.</summary>
        OtherFamily,

        /// <summary>An earlier rule or tier end decides every packet of this family that gets this far.</summary>
        Unreachable,
    }

    internal abstract record Step;

    /// <param name="StartLabel">The label Pass rules of the previous tier jump to, when one does.</param>
    internal sealed record TierStep(int Index, TierSpec Tier, string? StartLabel, bool Reachable) : Step;

    internal sealed record PolicyStep(PolicySpec Policy) : Step;

    /// <param name="Target">For Pass: the label of the next tier, profile or the end.</param>
    /// <param name="Section">The tier or profile this rule belongs to, e.g. <c>Tier0</c>.</param>
    internal sealed record RuleStep(RuleSpec Rule, Cond Cond, RuleDisposition Disposition, string? Target, string Section) : Step;

    internal sealed record TierEndStep(int Index, TierSpec Tier, bool Reachable) : Step;

    internal sealed record ProfileStep(int Index, ProfileSpec Profile, string? StartLabel, bool Reachable) : Step;

    internal sealed record ProfileEndStep(int Index) : Step;

    internal sealed record EndStep(ProgramEndKind End, RuleRef RuleId, string? Label, bool Reachable) : Step;

    /// <summary>
    /// Lays a program out in evaluation order for one IP family, with what each rule does there and whether it can
    /// be reached at all. Reachability follows C#'s own rules (code after an unconditional return or goto is
    /// unreachable until a referenced label), so the scalar code that follows this plan has no dead statements;
    /// the vector code follows the same plan, which keeps the two paths rule for rule alike.
    /// </summary>
    internal static List<Step> Plan(ProgramBodySpec body, int family, ConditionBuilder conditions)
    {
        var steps = new List<Step>();
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var reachable = true;
        var profileCount = body.HasProfiles ? body.Profiles.Count : 0;

        string AfterTiers() => profileCount > 0 ? "Profile0" : "End";

        for (var k = 0; k < body.Tiers.Count; k++)
        {
            var tier = body.Tiers[k];
            var label = "Tier" + k;
            var labelReferenced = referenced.Contains(label);
            reachable |= labelReferenced;
            steps.Add(new TierStep(k, tier, labelReferenced ? label : null, reachable));
            var next = k + 1 < body.Tiers.Count ? "Tier" + (k + 1) : AfterTiers();
            foreach (var policy in tier.Policies)
            {
                steps.Add(new PolicyStep(policy));
                foreach (var rule in policy.Rules)
                    steps.Add(PlanRule(rule, family, conditions, next, label, referenced, ref reachable));
            }
            steps.Add(new TierEndStep(k, tier, reachable));
            if (reachable && tier.EndAction == RuleActionKind.Deny)
                reachable = false;
        }

        for (var i = 0; i < profileCount; i++)
        {
            var profile = body.Profiles[i];
            var label = "Profile" + i;
            var labelReferenced = referenced.Contains(label);
            reachable |= labelReferenced;
            steps.Add(new ProfileStep(i, profile, labelReferenced ? label : null, reachable));
            var next = i + 1 < profileCount ? "Profile" + (i + 1) : "End";
            foreach (var rule in profile.Rules)
                steps.Add(PlanRule(rule, family, conditions, next, label, referenced, ref reachable));
            steps.Add(new ProfileEndStep(i));
        }

        var endReferenced = referenced.Contains("End");
        reachable |= endReferenced;
        steps.Add(new EndStep(body.End, body.EndRuleId, endReferenced ? "End" : null, reachable));
        return steps;
    }

    private static RuleStep PlanRule(RuleSpec rule, int family, ConditionBuilder conditions, string next, string section,
        HashSet<string> referenced, ref bool reachable)
    {
        if (!reachable)
            return new RuleStep(rule, Cond.False, RuleDisposition.Unreachable, null, section);
        if (rule.NeverMatches)
            return new RuleStep(rule, Cond.False, RuleDisposition.NeverMatches, null, section);
        var cond = conditions.Build(rule, family);
        if (cond.IsFalse)
            return new RuleStep(rule, cond, RuleDisposition.OtherFamily, null, section);
        switch (rule.Action)
        {
            case RuleActionKind.Log:
                return new RuleStep(rule, cond, RuleDisposition.Log, null, section);
            case RuleActionKind.Pass:
                referenced.Add(next);
                if (cond.IsTrue)
                    reachable = false;
                return new RuleStep(rule, cond, RuleDisposition.Pass, next, section);
            default:
                if (cond.IsTrue)
                    reachable = false;
                return new RuleStep(rule, cond, RuleDisposition.Decide, null, section);
        }
    }
}
