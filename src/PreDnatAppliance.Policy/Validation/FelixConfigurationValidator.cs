using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>The FelixConfiguration fields the appliance uses: failsafe ports and node port ranges.</summary>
internal static class FelixConfigurationValidator
{
    public static void Validate(ValidationContext context, FelixConfiguration configuration)
    {
        CommonChecks.Metadata(context, configuration);
        CheckFailsafes(context, configuration.FailsafeInboundHostPorts);
        CheckFailsafes(context, configuration.FailsafeOutboundHostPorts);
        CheckNodePortRanges(context, configuration);
    }

    private static void CheckFailsafes(ValidationContext context, List<ProtoPort>? entries)
    {
        if (entries is null)
            return;
        foreach (var entry in entries)
        {
            // Calico's validateProtoPort compares exactly; Felix's own "tcp:22" env syntax is a different parser.
            if (entry.Protocol is not ("TCP" or "UDP" or "SCTP"))
            {
                var hint = entry.Protocol?.ToUpperInvariant() is "TCP" or "UDP" or "SCTP" ? $" (use \"{entry.Protocol!.ToUpperInvariant()}\")" : string.Empty;
                context.Report(DiagnosticDescriptors.FailsafeProtocolInvalid, entry.LocationOf("protocol"), "protocol must be 'TCP' or 'UDP' or 'SCTP'." + hint);
            }
            // ProtoPort.port is a uint16; Calico accepts 0.
            if (entry.Port < 0)
                context.Report(DiagnosticDescriptors.FailsafePortInvalid, entry.LocationOf("port"), Messages.AtLeast("port", entry.Port, 0));
            else if (entry.Port > 65535)
                context.Report(DiagnosticDescriptors.FailsafePortInvalid, entry.LocationOf("port"), Messages.AtMost("port", entry.Port, 65535));
            if (entry.Net is { Length: > 0 } net && !Cidr.TryParse(net, out _))
                context.Report(DiagnosticDescriptors.CidrInvalid, entry.LocationOf("net"), $"invalid CIDR: \"{net}\"");
        }
    }

    private static void CheckNodePortRanges(ValidationContext context, FelixConfiguration configuration)
    {
        if (configuration.KubeNodePortRanges is not { } ranges)
            return;
        if (ranges.Count > Limits.MaxNodePortRanges)
        {
            context.Report(DiagnosticDescriptors.NodePortRangesTooMany, ValidationContext.SpecField(configuration, "kubeNodePortRanges"),
                $"node port ranges list is too long (max {Limits.MaxNodePortRanges})");
        }
        foreach (var range in ranges)
        {
            if (!PortSpec.TryParse(range.Value ?? string.Empty, out var spec, out var error))
                context.Report(DiagnosticDescriptors.NodePortRangeInvalid, range.Location, error ?? $"invalid port range: '{range.Value}'");
            else if (spec.IsNamed)
                context.Report(DiagnosticDescriptors.NodePortRangeInvalid, range.Location, "node port ranges should not contain named ports");
            else if (spec.Range.First == 0)
                context.Report(DiagnosticDescriptors.NodePortRangeInvalid, range.Location, "port range invalid, port number must be between 1 and 65535");
        }
    }
}
