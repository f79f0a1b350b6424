using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>
/// nets/notNets on both sides of a rule, following libcalico-go's validateRule scan: each list is checked in the
/// order source.nets, source.notNets, destination.nets, destination.notNets, and the list that first makes the rule
/// mix IPv4 and IPv6 is the one reported.
/// </summary>
internal static class RuleNetsValidator
{
    public static void Validate(ValidationContext context, Rule rule, int? ipVersion)
    {
        var seenV4 = false;
        var seenV6 = false;
        Scan(context, rule.Source, rule.Source.Nets, "nets", negated: false, ipVersion, ref seenV4, ref seenV6);
        Scan(context, rule.Source, rule.Source.NotNets, "notNets", negated: true, ipVersion, ref seenV4, ref seenV6);
        Scan(context, rule.Destination, rule.Destination.Nets, "nets", negated: false, ipVersion, ref seenV4, ref seenV6);
        Scan(context, rule.Destination, rule.Destination.NotNets, "notNets", negated: true, ipVersion, ref seenV4, ref seenV6);
    }

    private static void Scan(ValidationContext context, EntityRule entity, List<Located<string>> nets, string field, bool negated,
        int? ipVersion, ref bool seenV4, ref bool seenV6)
    {
        if (nets.Count == 0)
            return;
        var at = entity.LocationOf(field);
        if (nets.Count > Limits.MaxNetsPerList)
            context.Report(DiagnosticDescriptors.RuleTooManyNets, at, Messages.TooMany(nets.Count, Limits.MaxNetsPerList));

        bool v4 = false, v6 = false;
        foreach (var item in nets)
        {
            var text = item.Value ?? string.Empty;
            if (!TryParseRuleCidr(context, item, out var cidr))
                continue;
            v4 |= cidr.Version == 4;
            v6 |= cidr.Version == 6;

            // Calico compares the IPv4 text literally but any IPv6 /0; mirrored so we reject exactly what it rejects.
            if (negated && ((cidr.Version == 4 && text == "0.0.0.0/0") || (cidr.Version == 6 && cidr.IsCatchAll)))
            {
                context.Report(DiagnosticDescriptors.RuleCatchAllNegation, item.Location,
                    "catch-all CIDR in negation creates logical contradiction (matches no traffic)");
            }
        }

        if (ipVersion is { } version && ((v4 && version != 4) || (v6 && version != 6)))
            context.Report(DiagnosticDescriptors.RuleCidrIpVersionMismatch, at, "rule IP version doesn't match CIDR version");
        if ((v4 && seenV6) || (v6 && seenV4) || (v4 && v6))
            context.Report(DiagnosticDescriptors.RuleMixedIpVersions, at, "rule contains both IPv4 and IPv6 CIDRs");
        seenV4 |= v4;
        seenV6 |= v6;
    }

    /// <summary>
    /// Calico parses rule nets with Go's net.ParseCIDR (so a bare address is rejected) and its "net" field tag
    /// demands a masked network (no host bits set).
    /// </summary>
    private static bool TryParseRuleCidr(ValidationContext context, Located<string> item, out Cidr cidr)
    {
        var text = item.Value ?? string.Empty;
        var slash = text.IndexOf('/');
        if (slash < 0 || !Cidr.TryParse(text, out cidr))
        {
            cidr = default;
            var hint = slash < 0 && IpAddress.TryParse(text, out var address) ? $" (write a single address as {address}/{address.BitLength})" : string.Empty;
            context.Report(DiagnosticDescriptors.CidrInvalid, item.Location, $"invalid CIDR: \"{text}\"{hint}");
            return false;
        }
        if (IpAddress.TryParse(text.Substring(0, slash), out var written) && written != cidr.Network)
        {
            context.Report(DiagnosticDescriptors.CidrInvalid, item.Location,
                $"invalid CIDR: \"{text}\" has host bits set; Calico requires a masked network such as {cidr}");
        }
        return true;
    }
}
