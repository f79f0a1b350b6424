using PreDnatAppliance.PolicyGenerator.Model;

namespace PreDnatAppliance.PolicyGenerator;

public sealed partial class PolicyGenerator
{
    /// <summary>
    /// Programs with at least this many IPv4 rules get the table strategy when all their rules fit it. Measured with
    /// the generated classifiers of the first N rules of ClassBench acl1_1k and fw1_1k, both strategies on the same
    /// trace (docs/performance.md, "Strategy threshold"): at 8 rules they are even (table 0.9-1.3x the speed of
    /// linear), at 16 the table is 1.4-1.9x faster, at 32 2-3x, at 128 8-9x; the linear cost grows with every rule a
    /// packet passes, the table's hardly at all. Below 16 the linear code, which reads rule by rule, stays.
    /// </summary>
    internal const int DefaultTableThreshold = 16;

    /// <summary>A program this long that stays on the linear strategy gets Info PDA1503 saying why.</summary>
    internal const int LinearStrategyRuleLimit = 64;

    /// <summary>The strategy of one program, and when a long program stays linear, why.</summary>
    internal readonly record struct StrategyChoice(ClassifierStrategy Strategy, int Ipv4Rules, string? Obstacle);

    /// <summary>
    /// Which emitter strategy a program gets. The table strategy needs every rule that can decide an IPv4 packet to be
    /// first-match entries over five fields (see <see cref="TableFlattener"/>): Allow, Deny and Pass rules are (ports
    /// of protocols without ports, ICMP matches and named ports included; a Pass continues in a table that starts at
    /// the next tier or profile); a notPorts named port is not (the complement of (address, protocol, port) members
    /// is not a union of a few boxes). Rules that cannot match IPv4 (ipVersion 6, IPv6 CIDRs, never-matching) do not
    /// count: IPv6 lanes keep the scalar evaluator.
    /// </summary>
    internal static StrategyChoice ChooseStrategy(ProgramBodySpec body, int threshold)
    {
        var count = 0;
        string? obstacle = null;
        foreach (var rule in body.Tiers.SelectMany(t => t.Policies).SelectMany(p => p.Rules).Concat(body.Profiles.SelectMany(p => p.Rules)))
        {
            if (rule.NeverMatches || rule.IpVersion == 6 || rule.Action == RuleActionKind.Log)
                continue;
            count++;
            obstacle ??= TableObstacle(rule);
        }
        // A Pass continues in the table of the next tier or profile, and a lane remembers that table in a byte.
        var passSections = body.Tiers.Count(t => t.Policies.SelectMany(p => p.Rules).Any(IsIpv4Pass)) + body.Profiles.Count(p => p.Rules.Any(IsIpv4Pass));
        if (passSections >= byte.MaxValue)
            obstacle ??= $"Pass rules in {passSections} tiers and profiles would need more than {byte.MaxValue} tables";
        var strategy = count >= threshold && obstacle is null ? ClassifierStrategy.Table : ClassifierStrategy.LinearVector;
        return new StrategyChoice(strategy, count, obstacle);
    }

    private static bool IsIpv4Pass(RuleSpec rule) => rule.Action == RuleActionKind.Pass && !rule.NeverMatches && rule.IpVersion != 6;

    private static string? TableObstacle(RuleSpec rule)
    {
        if (rule.Source.NotNamedPortSetIds.Count > 0 || rule.Destination.NotNamedPortSetIds.Count > 0)
            return $"rule {RuleIdText(rule.Id)} ({rule.Location}) excludes a named port";
        return null;
    }
}
