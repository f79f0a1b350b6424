using System.Globalization;
using System.Text;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>Renders compiled programs as text: every rule with its RuleId and source file:line, in evaluation order.</summary>
public static class ProgramDumper
{
    public static string Dump(CompiledPolicySet compiled)
    {
        var text = new StringBuilder();
        text.Append("# ").Append(compiled.Programs.Count).Append(" programs for ")
            .Append(compiled.Node is null ? "every node" : "node " + compiled.Node).Append('\n');
        foreach (var direction in new[] { Direction.Ingress, Direction.Egress })
        {
            var failsafes = compiled.Failsafes.Where(f => f.Direction == direction).ToList();
            text.Append("# failsafe ").Append(direction == Direction.Ingress ? "inbound" : "outbound").Append(": ");
            text.Append(failsafes.Count == 0 ? "none" : string.Join(", ", failsafes.Select(f => $"{f} [{f.Id}]")));
            if (failsafes.Count > 0 && failsafes.All(f => f.IsDefault))
                text.Append(" (Felix defaults)");
            text.Append('\n');
        }

        foreach (var program in compiled.Programs)
        {
            text.Append('\n');
            DumpProgram(text, program);
        }

        if (compiled.IpSets.Count > 0 || compiled.NamedPortSets.Count > 0)
            text.Append('\n');
        foreach (var set in compiled.IpSets)
            text.Append("ipset ").Append(set.Id).Append(" {").Append(set.Description).Append("}: ")
                .Append(set.Members.Count == 0 ? "(empty)" : string.Join(", ", set.Members)).Append('\n');
        foreach (var set in compiled.NamedPortSets)
            text.Append("portset ").Append(set.Id).Append(" {").Append(set.Description).Append("}: ")
                .Append(set.Members.Count == 0 ? "(empty)" : string.Join(", ", set.Members)).Append('\n');
        return text.ToString();
    }

    public static void DumpProgram(StringBuilder text, EndpointProgram program)
    {
        text.Append("program ").Append(program.Key)
            .Append("  (").Append(program.Endpoint.IsHost ? "HostEndpoint " : "WorkloadEndpoint ").Append(program.Endpoint.Namespace is null ? "" : program.Endpoint.Namespace + "/")
            .Append(program.Endpoint.Name);
        if (program.Endpoint.InterfaceName.Length > 0)
            text.Append(" iface ").Append(program.Endpoint.InterfaceName);
        text.Append(", node ").Append(program.Endpoint.Node).Append(", ").Append(program.Endpoint.Location.ToShortString()).Append(")\n");

        if (program.Tiers.Count == 0)
            text.Append("  (no policy applies)\n");
        foreach (var tier in program.Tiers)
        {
            text.Append("  tier ").Append(tier.Name).Append('\n');
            foreach (var policy in tier.Policies)
            {
                text.Append("    policy ").Append(policy.Name)
                    .Append(" (order ").Append(policy.Order?.ToString("R", CultureInfo.InvariantCulture) ?? "none").Append(") ")
                    .Append(policy.Location.ToShortString()).Append('\n');
                if (policy.Rules.Count == 0)
                    text.Append("      (no rules for this direction)\n");
                foreach (var rule in policy.Rules)
                    AppendRule(text, "      ", rule);
            }
            text.Append("    [").Append(tier.EndRuleId).Append("] end of tier: ").Append(tier.EndAction == RuleAction.Pass ? "pass" : "deny").Append('\n');
        }
        if (program.Profiles is { } profiles)
        {
            foreach (var profile in profiles)
            {
                text.Append("  profile ").Append(profile.Name).Append(' ').Append(profile.Location.ToShortString()).Append('\n');
                foreach (var rule in profile.Rules)
                    AppendRule(text, "    ", rule);
            }
        }
        text.Append("  [").Append(program.EndRuleId).Append("] end: ").Append(program.End switch
        {
            ProgramEnd.NoDecision => "no decision (continue)",
            ProgramEnd.Allow => "allow (forward default)",
            _ => "deny (no profile matched)",
        }).Append('\n');
    }

    private static void AppendRule(StringBuilder text, string indent, CompiledRule rule) =>
        text.Append(indent).Append('[').Append(rule.Id).Append("] ").Append(RuleText.Describe(rule))
            .Append("  ").Append(rule.Location.ToShortString()).Append('\n');
}
