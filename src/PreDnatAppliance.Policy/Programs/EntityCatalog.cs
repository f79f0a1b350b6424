using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// Builds the selector-visible view of every endpoint and network set in the policy set. Label inheritance
/// follows Calico: an endpoint inherits its profiles' labelsToApply (earlier profiles win), its own labels
/// override them, and Kubernetes' implicit namespace (kns.NS) and service-account (ksa.NS.SA) profiles apply
/// to namespaced objects whenever such profiles are defined.
/// </summary>
public sealed class EntityCatalog
{
    private readonly Dictionary<string, Profile> _profiles;

    public EntityCatalog(PolicySet set)
    {
        _profiles = new Dictionary<string, Profile>(StringComparer.Ordinal);
        foreach (var profile in set.Profiles)
            _profiles[profile.Name] = profile;

        var entities = new List<LabelledEntity>();
        entities.AddRange(set.HostEndpoints.Select(FromHostEndpoint));
        entities.AddRange(set.WorkloadEndpoints.Select(FromWorkloadEndpoint));
        entities.AddRange(set.NetworkSets.Select(FromNetworkSet));
        Entities = entities;
    }

    public IReadOnlyList<LabelledEntity> Entities { get; }

    public LabelledEntity Find(Resource resource) => Entities.First(e => ReferenceEquals(e.Resource, resource));

    public bool TryGetProfile(string name, out Profile profile) => _profiles.TryGetValue(name, out profile!);

    private LabelledEntity FromHostEndpoint(HostEndpoint hep)
    {
        var labels = Inherit(hep.Metadata.Labels, hep.Profiles.Select(p => p.Value));
        return new LabelledEntity
        {
            Resource = hep,
            Labels = labels,
            NamespaceLabels = Strip(labels, BuiltInLabels.NamespaceLabelPrefix),
            ServiceAccountLabels = Strip(labels, BuiltInLabels.ServiceAccountLabelPrefix),
            // Only expectedIPs represent a HEP in IP sets: Calico never learns interface addresses.
            Addresses = ParseHosts(hep.ExpectedIPs),
            NamedPorts = NamedPortsOf(hep.Ports),
        };
    }

    private LabelledEntity FromWorkloadEndpoint(WorkloadEndpoint wep)
    {
        var ns = wep.Namespace ?? "default";
        var profiles = ImplicitProfiles(ns, wep.ServiceAccountName).Concat(wep.Profiles.Select(p => p.Value));
        var labels = Inherit(wep.Metadata.Labels, profiles);
        labels[BuiltInLabels.Namespace] = ns;
        if (!string.IsNullOrEmpty(wep.Orchestrator))
            labels[BuiltInLabels.Orchestrator] = wep.Orchestrator;
        if (!string.IsNullOrEmpty(wep.ServiceAccountName))
            labels[BuiltInLabels.ServiceAccount] = wep.ServiceAccountName;
        return new LabelledEntity
        {
            Resource = wep,
            Labels = labels,
            NamespaceLabels = Strip(labels, BuiltInLabels.NamespaceLabelPrefix),
            ServiceAccountLabels = Strip(labels, BuiltInLabels.ServiceAccountLabelPrefix),
            Addresses = wep.IpNetworks.Select(n => Cidr.TryParse(n.Value, out var c) ? c : (Cidr?)null).Where(c => c is not null).Select(c => c!.Value).ToList(),
            NamedPorts = NamedPortsOf(wep.Ports),
            ServiceAccount = string.IsNullOrEmpty(wep.ServiceAccountName) ? null : wep.ServiceAccountName,
        };
    }

    private LabelledEntity FromNetworkSet(NetworkSet set)
    {
        Dictionary<string, string> labels;
        if (set.IsGlobal)
        {
            labels = new Dictionary<string, string>(set.Metadata.Labels, StringComparer.Ordinal);
        }
        else
        {
            var ns = set.Namespace ?? "default";
            labels = Inherit(set.Metadata.Labels, ImplicitProfiles(ns, null));
            labels[BuiltInLabels.Namespace] = ns;
        }
        return new LabelledEntity
        {
            Resource = set,
            Labels = labels,
            NamespaceLabels = Strip(labels, BuiltInLabels.NamespaceLabelPrefix),
            ServiceAccountLabels = Strip(labels, BuiltInLabels.ServiceAccountLabelPrefix),
            Addresses = set.Nets.Select(n => Cidr.TryParse(n.Value, out var c) ? c : (Cidr?)null).Where(c => c is not null).SelectMany(c => SplitCatchAll(c!.Value)).ToList(),
        };
    }

    private IEnumerable<string> ImplicitProfiles(string ns, string? serviceAccount)
    {
        var names = new List<string> { BuiltInLabels.NamespaceProfilePrefix + ns };
        if (!string.IsNullOrEmpty(serviceAccount))
            names.Add($"{BuiltInLabels.ServiceAccountProfilePrefix}{ns}.{serviceAccount}");
        return names.Where(_profiles.ContainsKey);
    }

    private Dictionary<string, string> Inherit(Dictionary<string, string> own, IEnumerable<string> profileNames)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in profileNames)
        {
            if (!_profiles.TryGetValue(name, out var profile))
                continue;
            foreach (var pair in profile.LabelsToApply)
                if (!labels.ContainsKey(pair.Key))
                    labels[pair.Key] = pair.Value;
        }
        foreach (var pair in own)
            labels[pair.Key] = pair.Value;
        return labels;
    }

    private static Dictionary<string, string> Strip(Dictionary<string, string> labels, string prefix)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        // Namespace selectors test has(projectcalico.org/namespace) after their all()/global() rewrite.
        if (prefix == BuiltInLabels.NamespaceLabelPrefix && labels.TryGetValue(BuiltInLabels.Namespace, out var ns))
            result[BuiltInLabels.Namespace] = ns;
        foreach (var pair in labels)
            if (pair.Key.StartsWith(prefix, StringComparison.Ordinal))
                result[pair.Key.Substring(prefix.Length)] = pair.Value;
        return result;
    }

    private static List<Cidr> ParseHosts(IEnumerable<Diagnostics.Located<string>> addresses) =>
        addresses.Select(a => IpAddress.TryParse(a.Value, out var ip) ? Cidr.Host(ip) : (Cidr?)null)
                 .Where(c => c is not null).Select(c => c!.Value).ToList();

    /// <summary>Felix splits a /0 into two /1s in IP sets; kept so that member dumps match what Felix programs.</summary>
    private static IEnumerable<Cidr> SplitCatchAll(Cidr cidr)
    {
        if (!cidr.IsCatchAll)
        {
            yield return cidr;
            yield break;
        }
        if (cidr.Version == 4)
        {
            yield return new Cidr(IpAddress.V4(0), 1);
            yield return new Cidr(IpAddress.V4(0x8000_0000), 1);
        }
        else
        {
            yield return new Cidr(IpAddress.V6(0, 0), 1);
            yield return new Cidr(IpAddress.V6(0x8000_0000_0000_0000, 0), 1);
        }
    }

    private static IReadOnlyList<(string, byte, ushort)> NamedPortsOf(IEnumerable<EndpointPort> ports) =>
        ports.Where(p => IpProtocol.TryParse(p.Protocol, out _) && p.Port is > 0 and <= 65535)
             .Select(p =>
             {
                 IpProtocol.TryParse(p.Protocol, out var proto);
                 return (p.Name, proto, (ushort)p.Port);
             })
             .ToList();
}
