using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// Which host endpoint governs an interface (Felix's resolveHostEndpoints): an explicit interfaceName wins
/// over an expectedIPs match, which wins over the wildcard "*"; ties go to the alphabetically earliest name.
/// A HEP with an explicit name never matches another interface by IP.
/// </summary>
public static class HostEndpointResolver
{
    public static HostEndpoint? Resolve(IEnumerable<HostEndpoint> hostEndpoints, string node, string interfaceName, IReadOnlyCollection<IpAddress> interfaceAddresses)
    {
        var onNode = hostEndpoints.Where(h => h.Node == node).OrderBy(h => h.Name, StringComparer.Ordinal).ToList();
        return onNode.FirstOrDefault(h => h.InterfaceName == interfaceName)
            ?? onNode.FirstOrDefault(h => h.InterfaceName.Length == 0 && h.ExpectedIPs.Any(ip => IpAddress.TryParse(ip.Value, out var a) && interfaceAddresses.Contains(a)))
            ?? onNode.FirstOrDefault(h => h.IsWildcard);
    }

    /// <summary>
    /// The node a policy set describes when none is named: the only node its host and workload endpoints
    /// mention, or null when they mention several (the caller must then ask for one).
    /// </summary>
    public static string? SingleNode(PolicySet set)
    {
        var nodes = set.HostEndpoints.Select(h => h.Node).Concat(set.WorkloadEndpoints.Select(w => w.Node))
            .Where(n => n.Length > 0).Distinct(StringComparer.Ordinal).ToList();
        return nodes.Count == 1 ? nodes[0] : null;
    }
}
