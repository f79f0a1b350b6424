using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>GlobalNetworkSet and NetworkSet: CIDRs or bare addresses (Calico's "cidr" tag is not strict about host bits).</summary>
internal static class NetworkSetValidator
{
    private const string NamespaceLabel = "projectcalico.org/namespace";

    public static void Validate(ValidationContext context, NetworkSet set)
    {
        CommonChecks.Metadata(context, set);
        if (set.Metadata.Labels.ContainsKey(NamespaceLabel))
        {
            // Calico adds this label itself from the real namespace; a user-set one would spoof it.
            context.Report(DiagnosticDescriptors.LabelReserved, set.Metadata.LocationOf("labels"), "projectcalico.org/namespace is not a valid label name");
        }
        foreach (var net in set.Nets)
        {
            if (!Cidr.TryParse(net.Value, out _))
                context.Report(DiagnosticDescriptors.CidrInvalid, net.Location, $"invalid CIDR: \"{net.Value}\"");
        }
    }
}
