using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Evaluation;

public enum Verdict
{
    Allow,
    Deny,

    /// <summary>Only untracked and pre-DNAT programs end this way: the packet goes on to the next stage.</summary>
    NoDecision,
}

/// <summary>One thing that happened while a program ran, for explain's trace.</summary>
public sealed class TraceStep
{
    public required string What { get; init; }
    public RuleId? RuleId { get; init; }
    public SourceLocation Location { get; init; }
    public override string ToString() => RuleId is { } id
        ? Location.IsKnown ? $"{What} [{id}] {Location.ToShortString()}" : $"{What} [{id}]"
        : What;
}

/// <summary>A program's answer: the verdict, the rule that decided it, and how evaluation got there.</summary>
public sealed class ProgramVerdict
{
    public required Verdict Verdict { get; init; }
    public required RuleId RuleId { get; init; }

    /// <summary>The policy, profile or synthetic owner of the deciding rule (e.g. "tier default").</summary>
    public required string Owner { get; init; }

    public required SourceLocation Location { get; init; }
    public required IReadOnlyList<TraceStep> Trace { get; init; }

    /// <summary>RuleIds of Log rules the packet matched on the way (Log is not terminal).</summary>
    public required IReadOnlyList<RuleId> Logged { get; init; }
}

/// <summary>
/// Runs one program on one packet exactly as Calico describes it: first Allow/Deny wins; Log records and
/// continues; Pass skips the rest of the tier; a tier with no decision ends with its end action; profiles
/// follow the last tier (a Pass there moves to the next profile, as in iptables); then the program's end.
/// </summary>
public static class ReferenceEvaluator
{
    public static ProgramVerdict Evaluate(EndpointProgram program, in PacketTuple packet)
    {
        var trace = new List<TraceStep>();
        var logged = new List<RuleId>();

        foreach (var tier in program.Tiers)
        {
            var passed = false;
            foreach (var policy in tier.Policies)
            {
                foreach (var rule in policy.Rules)
                {
                    if (!RuleMatcher.Matches(rule, packet))
                        continue;
                    switch (rule.Action)
                    {
                        case RuleAction.Log:
                            logged.Add(rule.Id);
                            trace.Add(Step($"log: {policy.Name} rule {rule.Index}", rule));
                            continue;
                        case RuleAction.Allow:
                        case RuleAction.Deny:
                            trace.Add(Step($"{rule.Action.ToString().ToLowerInvariant()}: tier {tier.Name}, {policy.Name} rule {rule.Index}", rule));
                            return Decide(rule.Action == RuleAction.Allow ? Verdict.Allow : Verdict.Deny, rule.Id, policy.Name, rule.Location, trace, logged);
                        case RuleAction.Pass:
                            trace.Add(Step($"pass: tier {tier.Name}, {policy.Name} rule {rule.Index} skips to the next tier", rule));
                            passed = true;
                            break;
                    }
                    break;
                }
                if (passed)
                    break;
            }
            if (passed)
                continue;
            if (tier.EndAction == RuleAction.Deny)
            {
                trace.Add(new TraceStep { What = $"deny: end of tier {tier.Name}, no policy allowed or passed the packet", RuleId = tier.EndRuleId });
                return Decide(Verdict.Deny, tier.EndRuleId, $"tier {tier.Name}", SourceLocation.None, trace, logged);
            }
            trace.Add(new TraceStep { What = $"pass: end of tier {tier.Name}", RuleId = tier.EndRuleId });
        }

        if (program.Profiles is { } profiles)
        {
            foreach (var profile in profiles)
            {
                foreach (var rule in profile.Rules)
                {
                    if (!RuleMatcher.Matches(rule, packet))
                        continue;
                    if (rule.Action == RuleAction.Log)
                    {
                        logged.Add(rule.Id);
                        trace.Add(Step($"log: profile {profile.Name} rule {rule.Index}", rule));
                        continue;
                    }
                    if (rule.Action == RuleAction.Pass)
                    {
                        trace.Add(Step($"pass: profile {profile.Name} rule {rule.Index} moves to the next profile", rule));
                        break;
                    }
                    trace.Add(Step($"{rule.Action.ToString().ToLowerInvariant()}: profile {profile.Name} rule {rule.Index}", rule));
                    return Decide(rule.Action == RuleAction.Allow ? Verdict.Allow : Verdict.Deny, rule.Id, $"profile {profile.Name}", rule.Location, trace, logged);
                }
            }
        }

        var (verdict, what) = program.End switch
        {
            ProgramEnd.NoDecision => (Verdict.NoDecision, "no decision: the packet continues to the next stage"),
            ProgramEnd.Allow => (Verdict.Allow, program.Tiers.Count == 0
                ? "allow: no applyOnForward policy applies, forwarded traffic is allowed by default"
                : "allow: every tier passed the packet"),
            _ => (Verdict.Deny, "deny: no policy or profile allowed the packet (drop if no profiles matched)"),
        };
        trace.Add(new TraceStep { What = what, RuleId = program.EndRuleId });
        return Decide(verdict, program.EndRuleId, StageNames.Of(program.Stage), SourceLocation.None, trace, logged);
    }

    private static TraceStep Step(string what, CompiledRule rule) => new() { What = what, RuleId = rule.Id, Location = rule.Location };

    private static ProgramVerdict Decide(Verdict verdict, RuleId id, string owner, SourceLocation location, List<TraceStep> trace, List<RuleId> logged) =>
        new() { Verdict = verdict, RuleId = id, Owner = owner, Location = location, Trace = trace, Logged = logged };
}
