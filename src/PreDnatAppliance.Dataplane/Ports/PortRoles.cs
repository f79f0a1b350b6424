using PreDnatAppliance.Dataplane.Configuration;

namespace PreDnatAppliance.Dataplane.Ports;

/// <summary>
/// Gives each port its role by matching its name against the policy's interface names: a HostEndpoint's
/// <c>interfaceName</c> makes it a host-endpoint port, a WorkloadEndpoint's interface a workload port. An
/// explicit role in the configuration wins but must not contradict the policy.
/// </summary>
public static class PortRoles
{
    public static IReadOnlyDictionary<string, PortRole> Resolve(
        IEnumerable<PortOptions> ports, IReadOnlySet<string> hostEndpointInterfaces, IReadOnlySet<string> workloadInterfaces,
        ICollection<string>? errors = null)
    {
        var roles = new Dictionary<string, PortRole>(StringComparer.Ordinal);
        foreach (var p in ports)
        {
            var isHost = hostEndpointInterfaces.Contains(p.Name);
            var isWorkload = workloadInterfaces.Contains(p.Name);
            var matched = isHost && isWorkload ? (PortRole?)null
                : isHost ? PortRole.HostEndpoint
                : isWorkload ? PortRole.WorkloadEndpoint
                : PortRole.None;
            if (matched is null)
            {
                errors?.Add($"port '{p.Name}': the name is both a HostEndpoint and a WorkloadEndpoint interface");
                roles[p.Name] = p.Role == PortRole.Auto ? PortRole.None : p.Role;
                continue;
            }
            if (p.Role != PortRole.Auto && p.Role != matched && matched != PortRole.None)
                errors?.Add($"port '{p.Name}': configured as {p.Role} but the policy names it as a {matched} interface");
            roles[p.Name] = p.Role == PortRole.Auto ? matched.Value : p.Role;
        }
        return roles;
    }
}
