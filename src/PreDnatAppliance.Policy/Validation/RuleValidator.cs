using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

internal enum RuleDirection
{
    Ingress,
    Egress,
}

/// <summary>Which resource a rule belongs to: some Calico checks live on the policy specs, not on Rule.</summary>
internal enum RuleScope
{
    GlobalNetworkPolicy,
    NetworkPolicy,
    Profile,
}

/// <summary>One ingress or egress rule: Calico's Rule CEL rules and libcalico-go's validateRule.</summary>
internal static class RuleValidator
{
    private static readonly string[] Actions = { "Allow", "Deny", "Log", "Pass" };

    public static void Validate(ValidationContext context, Rule rule, RuleDirection direction, RuleScope scope)
    {
        CheckAction(context, rule);
        var ipVersion = CheckIpVersion(context, rule);
        var protocol = CheckProtocol(context, rule.Protocol);
        var notProtocol = CheckProtocol(context, rule.NotProtocol);
        CheckIcmp(context, rule, protocol, notProtocol, ipVersion);
        RulePortsValidator.Validate(context, rule);
        RuleNetsValidator.Validate(context, rule, ipVersion);
        EntityRuleValidator.Validate(context, rule.Source, rule, isSource: true, direction, scope);
        EntityRuleValidator.Validate(context, rule.Destination, rule, isSource: false, direction, scope);
        CheckHttp(context, rule, direction, scope);
    }

    private static void CheckAction(ValidationContext context, Rule rule)
    {
        if (Actions.Contains(rule.Action, StringComparer.Ordinal))
            return;
        var message = string.IsNullOrEmpty(rule.Action) && !rule.Has("action")
            ? $"Required value: action must be one of {string.Join(", ", Actions.Select(a => "\"" + a + "\""))}"
            : Messages.Unsupported(rule.Action, Actions);
        context.Report(DiagnosticDescriptors.RuleActionInvalid, rule.LocationOf("action"), message);
    }

    /// <summary>Returns the rule's IP version when it is valid and set, so later checks do not pile onto a bad value.</summary>
    private static int? CheckIpVersion(ValidationContext context, Rule rule)
    {
        if (rule.IpVersion is not { } version)
            return null;
        if (version is 4 or 6)
            return version;
        context.Report(DiagnosticDescriptors.RuleIpVersionInvalid, rule.LocationOf("ipVersion"), Messages.UnsupportedNumber(version, 4, 6));
        return null;
    }

    private static byte? CheckProtocol(ValidationContext context, Located<string>? protocol)
    {
        if (protocol is not { } written)
            return null;
        if (ProtocolRules.TryParse(written.Value ?? string.Empty, out var number, out var error))
            return number;
        context.Report(DiagnosticDescriptors.RuleProtocolInvalid, written.Location, $"{error}: \"{written.Value}\"");
        return null;
    }

    private static void CheckIcmp(ValidationContext context, Rule rule, byte? protocol, byte? notProtocol, int? ipVersion)
    {
        var icmpProtocol = protocol is IpProtocol.Icmp or IpProtocol.IcmpV6;
        if (rule.Icmp is not null)
        {
            // Calico's CEL rule needs an explicit ICMP protocol; an invalid protocol was reported already.
            if (!icmpProtocol && !(rule.Protocol is not null && protocol is null))
            {
                context.Report(DiagnosticDescriptors.RuleIcmpRequiresIcmpProtocol, rule.LocationOf("icmp"),
                    "ICMP fields require protocol to be ICMP or ICMPv6");
            }
            CheckIcmpFields(context, rule.Icmp, "icmp");
        }
        if (rule.NotIcmp is not null)
        {
            // Calico only constrains icmp; notICMP beside a non-ICMP protocol is accepted but tests nothing meaningful.
            if (!icmpProtocol && !(rule.Protocol is not null && protocol is null))
            {
                context.Report(DiagnosticDescriptors.RuleNotIcmpWithoutIcmpProtocol, rule.LocationOf("notICMP"),
                    "notICMP has no effect unless protocol is ICMP or ICMPv6 (Calico accepts it, but it can only ever test non-ICMP packets)");
            }
            CheckIcmpFields(context, rule.NotIcmp, "notICMP");
        }

        if (ipVersion is null)
            return;
        // Calico has one CEL rule per field, so protocol and notProtocol are reported separately.
        foreach (var value in new[] { protocol, notProtocol })
        {
            if (value == IpProtocol.Icmp && ipVersion != 4)
                context.Report(DiagnosticDescriptors.RuleIcmpIpVersionMismatch, rule.LocationOf("ipVersion"), "protocol ICMP requires ipVersion 4");
            else if (value == IpProtocol.IcmpV6 && ipVersion != 6)
                context.Report(DiagnosticDescriptors.RuleIcmpIpVersionMismatch, rule.LocationOf("ipVersion"), "protocol ICMPv6 requires ipVersion 6");
        }
    }

    private static void CheckIcmpFields(ValidationContext context, IcmpFields icmp, string field)
    {
        if (icmp.Type is { } type)
        {
            if (type < 0)
                context.Report(DiagnosticDescriptors.RuleIcmpValueOutOfRange, icmp.LocationOf("type"), Messages.AtLeast(field + ".type", type, 0));
            else if (type > 254)
                context.Report(DiagnosticDescriptors.RuleIcmpValueOutOfRange, icmp.LocationOf("type"), Messages.AtMost(field + ".type", type, 254));
        }
        if (icmp.Code is { } code)
        {
            if (code < 0)
                context.Report(DiagnosticDescriptors.RuleIcmpValueOutOfRange, icmp.LocationOf("code"), Messages.AtLeast(field + ".code", code, 0));
            else if (code > 255)
                context.Report(DiagnosticDescriptors.RuleIcmpValueOutOfRange, icmp.LocationOf("code"), Messages.AtMost(field + ".code", code, 255));
            if (icmp.Type is null)
                context.Report(DiagnosticDescriptors.RuleIcmpCodeWithoutType, icmp.LocationOf("code"), "ICMP code specified without an ICMP type");
        }
    }

    private static void CheckHttp(ValidationContext context, Rule rule, RuleDirection direction, RuleScope scope)
    {
        if (!rule.HasHttpMatch)
            return;
        var at = rule.LocationOf("http");
        context.Report(DiagnosticDescriptors.RuleHttpMatchIgnored, at,
            "http match is ignored: the appliance enforces only L3/L4 matches, as Felix does; this rule matches as if it had no http clause");

        if (!string.Equals(rule.Action, "Allow", StringComparison.Ordinal) && Actions.Contains(rule.Action, StringComparer.Ordinal))
            context.Report(DiagnosticDescriptors.RuleHttpMatchInvalid, at, "HTTP match is only valid on Allow rules");
        if (rule.Protocol is { } protocol && protocol.Value is not ("TCP" or "6"))
            context.Report(DiagnosticDescriptors.RuleHttpMatchInvalid, at, "rules with HTTP match must have protocol TCP or unset");
        if (direction == RuleDirection.Egress && scope != RuleScope.Profile)
        {
            context.Report(DiagnosticDescriptors.RuleHttpMatchInvalid, at,
                scope == RuleScope.GlobalNetworkPolicy ? "not allowed in egress rules" : "not allowed in egress rule");
        }
    }
}
