using System.Text;
using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>One-line English for a compiled rule, in the fixed match order the evaluator tests them.</summary>
public static class RuleText
{
    public static string Describe(CompiledRule rule)
    {
        var text = new StringBuilder();
        text.Append(rule.Action.ToString().ToLowerInvariant());
        if (rule.NeverMatches)
            text.Append(" (never matches: its CIDRs do not fit its IP version)");
        if (rule.IpVersion is { } version)
            text.Append(" ipv").Append(version);
        if (rule.Protocol is { } protocol)
            text.Append(' ').Append(IpProtocol.Name(protocol).ToLowerInvariant());
        if (rule.NotProtocol is { } notProtocol)
            text.Append(" not-").Append(IpProtocol.Name(notProtocol).ToLowerInvariant());
        AppendSide(text, "from", rule.Source);
        AppendSide(text, "to", rule.Destination);
        if (rule.Icmp is { } icmp)
            text.Append(" icmp ").Append(icmp);
        if (rule.NotIcmp is { } notIcmp)
            text.Append(" not-icmp ").Append(notIcmp);
        return text.ToString();
    }

    private static void AppendSide(StringBuilder text, string word, AddressMatch side)
    {
        if (side.IsAny)
            return;
        text.Append(' ').Append(word);
        if (side.Nets.Count > 0)
            text.Append(" nets ").Append(string.Join(",", side.Nets));
        if (side.NotNets.Count > 0)
            text.Append(" not-nets ").Append(string.Join(",", side.NotNets));
        if (side.Set is { } set)
            text.Append(" selector ").Append(set.Id).Append(" {").Append(set.Description).Append('}');
        foreach (var notSet in side.NotSets)
            text.Append(" not-selector ").Append(notSet.Id).Append(" {").Append(notSet.Description).Append('}');
        if (side.HasPortMatch)
            text.Append(" ports ").Append(string.Join(",", side.Ports.Select(p => p.ToString()).Concat(side.NamedPorts.Select(n => n.PortName))));
        if (side.HasNotPortMatch)
            text.Append(" not-ports ").Append(string.Join(",", side.NotPorts.Select(p => p.ToString()).Concat(side.NotNamedPorts.Select(n => n.PortName))));
    }
}
