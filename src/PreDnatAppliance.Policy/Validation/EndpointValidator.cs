using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>HostEndpoint and WorkloadEndpoint specs (Calico CEL on HostEndpointSpec and validate*EndpointSpec).</summary>
internal static class EndpointValidator
{
    public static void Validate(ValidationContext context, HostEndpoint endpoint)
    {
        CommonChecks.Metadata(context, endpoint);
        CheckNode(context, endpoint, endpoint.Node);

        var hasInterface = !string.IsNullOrEmpty(endpoint.InterfaceName);
        if (!hasInterface && endpoint.ExpectedIPs.Count == 0)
        {
            context.Report(DiagnosticDescriptors.HostEndpointInterfaceOrIpsRequired, ValidationContext.SpecField(endpoint, "interfaceName"),
                "at least one of interfaceName or expectedIPs must be specified");
        }
        if (hasInterface)
            CheckInterfaceName(context, endpoint, endpoint.InterfaceName);

        foreach (var ip in endpoint.ExpectedIPs)
        {
            if (!IpAddress.TryParse(ip.Value, out _))
                context.Report(DiagnosticDescriptors.EndpointIpAddressInvalid, ip.Location, $"invalid IP address: \"{ip.Value}\"");
        }

        CheckProfileNames(context, endpoint.Profiles);
        CheckPorts(context, endpoint.Ports, "EndpointPort");
    }

    public static void Validate(ValidationContext context, WorkloadEndpoint endpoint)
    {
        CommonChecks.Metadata(context, endpoint);
        CheckNode(context, endpoint, endpoint.Node);
        if (!string.IsNullOrEmpty(endpoint.InterfaceName))
            CheckInterfaceName(context, endpoint, endpoint.InterfaceName);

        // Felix programs workload addresses as host routes, so Calico only accepts /32 and /128.
        foreach (var network in endpoint.IpNetworks)
        {
            if (!Cidr.TryParse(network.Value, out var cidr))
                context.Report(DiagnosticDescriptors.CidrInvalid, network.Location, $"invalid CIDR: \"{network.Value}\"");
            else if (cidr.PrefixLength != cidr.Network.BitLength)
                context.Report(DiagnosticDescriptors.WorkloadEndpointNetworkNotHost, network.Location, "IP network contains multiple addresses");
        }
        foreach (var prefix in endpoint.AllowSpoofedSourcePrefixes)
        {
            if (!Cidr.TryParse(prefix.Value, out _))
                context.Report(DiagnosticDescriptors.CidrInvalid, prefix.Location, $"invalid CIDR: \"{prefix.Value}\"");
        }

        CheckProfileNames(context, endpoint.Profiles);
        CheckPorts(context, endpoint.Ports, "WorkloadEndpointPort");
    }

    private static void CheckNode(ValidationContext context, Resource endpoint, string node)
    {
        var at = ValidationContext.SpecField(endpoint, "node");
        if (string.IsNullOrEmpty(node))
            context.Report(DiagnosticDescriptors.EndpointNodeRequired, at, "node must be specified");
        else if (!NameRules.IsSubdomain(node))
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, at, NameRules.SubdomainMessage);
    }

    private static void CheckInterfaceName(ValidationContext context, Resource endpoint, string name)
    {
        if (!NameRules.IsInterfaceName(name))
        {
            context.Report(DiagnosticDescriptors.EndpointInterfaceNameInvalid, ValidationContext.SpecField(endpoint, "interfaceName"),
                $"invalid interface name \"{name}\": must be \"*\" or match ^[a-zA-Z0-9_.-]{{1,15}}$");
        }
    }

    private static void CheckProfileNames(ValidationContext context, List<Located<string>> profiles)
    {
        foreach (var profile in profiles.Where(p => !NameRules.IsSubdomain(p.Value)))
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, profile.Location, $"profile '{profile.Value}': {NameRules.SubdomainMessage}");
    }

    private static void CheckPorts(ValidationContext context, List<EndpointPort> ports, string typeName)
    {
        var seen = new HashSet<(string, string)>();
        foreach (var port in ports)
        {
            if (string.IsNullOrEmpty(port.Name))
            {
                // Calico's message for WorkloadEndpointPort mentions HostPort, which the appliance does not model.
                context.Report(DiagnosticDescriptors.EndpointPortNameInvalid, port.LocationOf("name"),
                    typeName == "WorkloadEndpointPort" ? "WorkloadEndpointPort name must not be empty if no HostPort is specified" : "Required value: port name");
            }
            else
            {
                var problems = NameRules.PortNameProblems(port.Name);
                if (problems.Count > 0)
                    context.Report(DiagnosticDescriptors.EndpointPortNameInvalid, port.LocationOf("name"), $"invalid port name '{port.Name}': {string.Join(", ", problems)}");
            }

            if (!ProtocolRules.TryParse(port.Protocol, out _, out var error))
                context.Report(DiagnosticDescriptors.EndpointPortProtocolInvalid, port.LocationOf("protocol"), $"{error}: \"{port.Protocol}\"");
            else if (!ProtocolRules.SupportsPorts(port.Protocol))
                context.Report(DiagnosticDescriptors.EndpointPortProtocolInvalid, port.LocationOf("protocol"), $"{typeName} protocol does not support ports.");

            if (port.Port < 1)
                context.Report(DiagnosticDescriptors.EndpointPortNumberInvalid, port.LocationOf("port"), Messages.AtLeast("port", port.Port, 1));
            else if (port.Port > 65535)
                context.Report(DiagnosticDescriptors.EndpointPortNumberInvalid, port.LocationOf("port"), Messages.AtMost("port", port.Port, 65535));

            if (!string.IsNullOrEmpty(port.Name) && !seen.Add((port.Name, port.Protocol)))
            {
                context.Report(DiagnosticDescriptors.EndpointPortDuplicate, port.LocationOf("name"),
                    $"named port '{port.Name}' ({port.Protocol}) is defined more than once on this endpoint; rules using it match every such port");
            }
        }
    }
}
