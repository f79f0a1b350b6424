using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>ports/notPorts on both sides of a rule: item syntax, count, and the protocol they need.</summary>
internal static class RulePortsValidator
{
    private const string NumericPortsNeedProtocol = "rules with numeric port or port range must set protocol to TCP or UDP or SCTP";
    private const string PortsNeedPortProtocol = "rules that specify ports must set protocol to TCP or UDP or SCTP";
    private const string PortZero = "port range invalid, port number must be between 1 and 65535";

    public static void Validate(ValidationContext context, Rule rule)
    {
        foreach (var entity in new[] { rule.Source, rule.Destination })
        {
            CheckList(context, rule, entity, entity.Ports, "ports");
            CheckList(context, rule, entity, entity.NotPorts, "notPorts");
        }
    }

    private static void CheckList(ValidationContext context, Rule rule, EntityRule entity, List<Located<string>> ports, string field)
    {
        if (ports.Count == 0)
            return;
        var at = entity.LocationOf(field);
        if (ports.Count > Limits.MaxPortsPerList)
            context.Report(DiagnosticDescriptors.RuleTooManyPorts, at, Messages.TooMany(ports.Count, Limits.MaxPortsPerList));

        var anyNumeric = false;
        foreach (var item in ports)
        {
            if (!PortSpec.TryParse(item.Value ?? string.Empty, out var spec, out var error))
            {
                context.Report(DiagnosticDescriptors.RulePortInvalid, item.Location, error ?? $"invalid port: '{item.Value}'");
                continue;
            }
            if (spec.IsNamed)
                continue;
            anyNumeric = true;
            if (spec.Range.First == 0)
                context.Report(DiagnosticDescriptors.RulePortInvalid, item.Location, PortZero);
        }

        // Calico: with no protocol only named ports are allowed (they carry their own protocol);
        // with a protocol, it must be one that has ports (an invalid protocol is reported on its own).
        if (rule.Protocol is not { } protocol)
        {
            if (anyNumeric)
                context.Report(DiagnosticDescriptors.RulePortsRequireProtocol, at, NumericPortsNeedProtocol);
        }
        else if (!ProtocolRules.SupportsPorts(protocol.Value ?? string.Empty) && ProtocolRules.TryParse(protocol.Value ?? string.Empty, out _, out _))
        {
            context.Report(DiagnosticDescriptors.RulePortsRequireProtocol, at, PortsNeedPortProtocol);
        }
    }
}
