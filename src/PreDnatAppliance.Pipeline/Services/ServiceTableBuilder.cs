using System.Globalization;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// Builds a <see cref="ServiceTable"/> from loaded Services and EndpointSlices, this node's identity and the
/// options. Follows kube-proxy (iptables mode) wherever it decides something; docs/services.md has the rules.
/// Problems that make the table wrong (a node port outside the range, two services claiming one frontend) reject
/// the whole input with a <see cref="ServiceLoadException"/> naming file:line:col, so the last good table stays.
/// </summary>
public static class ServiceTableBuilder
{
    public static ServiceTable Build(ServiceCatalog catalog, NodeIdentity node, ServiceTableOptions? options = null, ServiceTable? previous = null)
    {
        options ??= ServiceTableOptions.Default;
        options.Validate();
        return new Builder(catalog, node, options, previous).Build();
    }

    private sealed class Candidate
    {
        public bool Ready;
        public bool Serving;
        public bool Terminating;
        public bool Local;
    }

    private sealed class Builder
    {
        private readonly ServiceCatalog _catalog;
        private readonly NodeIdentity _node;
        private readonly ServiceTableOptions _options;
        private readonly Dictionary<string, ushort[]> _previousMaglev;
        private readonly Dictionary<string, ushort[]> _maglev = new(StringComparer.Ordinal);
        private readonly List<string> _errors = new();
        private readonly List<string> _warnings = new();
        private readonly List<ServicePortInfo> _ports = new();
        private readonly List<ServiceFrontend> _frontends = new();
        private readonly List<FrontendEntry> _frontendEntries = new();
        private readonly List<BackendSet> _sets = new();
        private readonly List<BackendEntry> _backends = new();
        private readonly Dictionary<(ServiceAddress, byte, ushort), string> _claimed = new();
        private readonly HashSet<ServicePortSpec> _rangeReported = new(ReferenceEqualityComparer.Instance);
        private readonly ServiceAddress _snatV4;
        private readonly ServiceAddress _snatV6;

        public Builder(ServiceCatalog catalog, NodeIdentity node, ServiceTableOptions options, ServiceTable? previous)
        {
            _catalog = catalog;
            _node = node;
            _options = options;
            _previousMaglev = previous?.MaglevCache ?? new Dictionary<string, ushort[]>();
            _snatV4 = options.SnatIPv4 ?? node.Addresses.FirstOrDefault(a => a.Version == 4);
            _snatV6 = options.SnatIPv6 ?? node.Addresses.FirstOrDefault(a => a.Version == 6);
        }

        public ServiceTable Build()
        {
            var slices = new Dictionary<string, List<EndpointSliceResource>>(StringComparer.Ordinal);
            var serviceKeys = _catalog.Services.Select(s => s.Key).ToHashSet(StringComparer.Ordinal);
            foreach (var slice in _catalog.EndpointSlices.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
            {
                if (slice.ServiceName is null || slice.AddressFamily == 0)
                    continue;
                var key = $"{slice.Namespace}/{slice.ServiceName}";
                if (!serviceKeys.Contains(key))
                {
                    _warnings.Add($"{slice.Location}: EndpointSlice {slice.Namespace}/{slice.Name} belongs to Service {key}, which is not in the file; ignored");
                    continue;
                }
                if (!slices.TryGetValue(key, out var list))
                    slices[key] = list = new List<EndpointSliceResource>();
                list.Add(slice);
            }

            var snatFamiliesWarned = new HashSet<byte>();
            foreach (var service in _catalog.Services.OrderBy(s => s.Namespace, StringComparer.Ordinal).ThenBy(s => s.Name, StringComparer.Ordinal))
            {
                if (service.Type == ServiceType.ExternalName)
                    continue;
                if (service.ClusterIPs.Count == 0)
                {
                    // kube-proxy skips services without a cluster IP (headless) entirely.
                    _warnings.Add($"{service.Location}: Service {service.Key} is headless (no cluster IP); no frontends");
                    continue;
                }
                slices.TryGetValue(service.Key, out var serviceSlices);
                var families = service.ClusterIPs.Select(ip => ip.Version).Distinct().ToList();
                WarnOtherFamily(service, service.ExternalIPs, families, "externalIP");
                if (service.Type == ServiceType.LoadBalancer)
                    WarnOtherFamily(service, service.LoadBalancerIngress, families, "load balancer ingress IP");
                foreach (var family in families)
                {
                    foreach (var port in service.Ports)
                    {
                        AddServicePort(service, port, family, serviceSlices ?? new List<EndpointSliceResource>(), snatFamiliesWarned);
                    }
                }
            }

            if (_ports.Count > ushort.MaxValue + 1)
                _errors.Add($"{_catalog.Source}:1:1: {_ports.Count} service ports; at most {ushort.MaxValue + 1} are supported");
            if (_errors.Count > 0)
                throw new ServiceLoadException(_catalog.Source, _errors);

            return new ServiceTable(_node, _options, _ports, _frontends, _frontendEntries.ToArray(), _sets.ToArray(), _backends.ToArray(),
                _snatV4, _snatV6, _catalog.Warnings.Concat(_warnings).ToList(), _maglev);
        }

        private void WarnOtherFamily(ServiceResource service, IReadOnlyList<ServiceAddress> addresses, List<byte> families, string what)
        {
            foreach (var ip in addresses.Where(ip => !families.Contains(ip.Version)))
                _warnings.Add($"{service.Location}: Service {service.Key}: {what} {ip} ignored: the service has no IPv{ip.Version} cluster IP");
        }

        private void AddServicePort(ServiceResource service, ServicePortSpec port, byte family, List<EndpointSliceResource> slices, HashSet<byte> snatWarned)
        {
            // Endpoints of this family for this port, deduplicated by (address, target port).
            var candidates = new SortedDictionary<(ServiceAddress Address, ushort Port), Candidate>();
            foreach (var slice in slices)
            {
                if (slice.AddressFamily != family)
                    continue;
                var target = ResolveTargetPort(slice, port);
                if (target == 0)
                    continue;
                foreach (var endpoint in slice.Endpoints)
                {
                    if (endpoint.Addresses.Count == 0)
                        continue;
                    // Consumers use the first address only (the API keeps exactly one; kube-proxy reads Addresses[0]).
                    var key = (endpoint.Addresses[0], (ushort)target);
                    var isLocal = endpoint.NodeName is not null && string.Equals(endpoint.NodeName, _node.Name, StringComparison.Ordinal);
                    if (candidates.TryGetValue(key, out var seen))
                    {
                        if (seen.Ready || !endpoint.Ready)
                            continue;
                    }
                    candidates[key] = new Candidate { Ready = endpoint.Ready, Serving = endpoint.Serving, Terminating = endpoint.Terminating, Local = isLocal };
                }
            }

            var fallback = _options.UseServingTerminatingFallback;
            var cluster = Select(candidates, c => c.Ready);
            if (cluster.Count == 0 && fallback)
                cluster = Select(candidates, c => c.Serving && c.Terminating);
            var local = Select(candidates, c => c.Ready && c.Local);
            if (local.Count == 0 && fallback)
                local = Select(candidates, c => c.Local && c.Serving && c.Terminating);

            var index = _ports.Count;
            var info = new ServicePortInfo(index, service, port, family, cluster, local);
            _ports.Add(info);

            var externalLocal = service.ExternalTrafficPolicy == TrafficPolicy.Local;
            var internalLocal = service.InternalTrafficPolicy == TrafficPolicy.Local;
            var clusterSet = AddSet(cluster);
            var localSet = externalLocal || internalLocal ? AddSet(local) : -1;
            var affinity = service.SessionAffinity == SessionAffinity.ClientIP;
            var snatAddress = family == 4 ? _snatV4 : _snatV6;

            void Add(ServiceAddress address, ushort frontendPort, FrontendKind kind, bool localOnly, SourceLocation where)
            {
                var claim = (address, (byte)port.Protocol, frontendPort);
                var what = $"{port.Protocol.ToString().ToUpperInvariant()} {address.WithPort(frontendPort)}";
                var mine = $"{kind} of Service {service.Key} ({where})";
                if (_claimed.TryGetValue(claim, out var other))
                {
                    _errors.Add($"{where}: Service {service.Key}: frontend {what} ({kind}) is already taken by the {other}");
                    return;
                }
                _claimed[claim] = mine;
                var snat = !localOnly && _options.SnatClusterToRemote;
                if (snat && snatAddress.Version == 0 && snatWarned.Add(family))
                    _warnings.Add($"{where}: no IPv{family} node address to SNAT to: IPv{family} flows to remote backends keep the client address");
                var set = localOnly ? localSet : clusterSet;
                _frontends.Add(new ServiceFrontend(address, port.Protocol, frontendPort, kind, index, localOnly, snat));
                _frontendEntries.Add(new FrontendEntry
                {
                    BackendSet = set,
                    ServiceIndex = index,
                    EmptyVerdict = clusterSet < 0 ? ServiceVerdict.Reject : ServiceVerdict.Drop,
                    AffinityTicks = affinity ? service.AffinityTimeoutSeconds * _options.TicksPerSecond : 0,
                    AffinityId = info.AffinityId,
                    Flags = (byte)((snat ? ServiceTable.FlagSnat : 0) | (affinity ? ServiceTable.FlagAffinity : 0)),
                });
            }

            foreach (var ip in service.ClusterIPs.Where(ip => ip.Version == family))
                Add(ip, (ushort)port.Port, FrontendKind.ClusterIP, internalLocal, port.Location);

            if (service.Type is ServiceType.NodePort or ServiceType.LoadBalancer && port.NodePort != 0)
            {
                if (port.NodePort < _options.NodePortMin || port.NodePort > _options.NodePortMax)
                {
                    if (_rangeReported.Add(port))
                        _errors.Add($"{port.NodePortLocation}: Service {service.Key}: nodePort {port.NodePort} is outside the NodePort range {_options.NodePortMin}-{_options.NodePortMax}");
                }
                else
                {
                    foreach (var ip in _node.Addresses.Where(ip => ip.Version == family))
                        Add(ip, (ushort)port.NodePort, FrontendKind.NodePort, externalLocal, port.NodePortLocation);
                }
            }

            foreach (var ip in service.ExternalIPs.Where(ip => ip.Version == family))
                Add(ip, (ushort)port.Port, FrontendKind.ExternalIP, externalLocal, port.Location);

            if (service.Type == ServiceType.LoadBalancer)
            {
                foreach (var ip in service.LoadBalancerIngress.Where(ip => ip.Version == family))
                    Add(ip, (ushort)port.Port, FrontendKind.LoadBalancer, externalLocal, port.Location);
            }
        }

        /// <summary>
        /// The endpoint port of <paramref name="slice"/> for a service port: the slice port with the service port's
        /// name and protocol (how the EndpointSlice controller writes them, and how kube-proxy reads them). For
        /// hand-written slices that name no port that way: the slice port named like the targetPort, or numbered
        /// like it. 0 when there is none.
        /// </summary>
        private static int ResolveTargetPort(EndpointSliceResource slice, ServicePortSpec port)
        {
            EndpointPortSpec? match = null;
            var nameSeen = false;
            foreach (var p in slice.Ports)
            {
                if (p.Name != port.Name)
                    continue;
                nameSeen = true;
                if (p.Protocol == port.Protocol)
                {
                    match = p;
                    break;
                }
            }
            if (match is null && !nameSeen)
            {
                match = port.TargetPortName is { } targetName
                    ? slice.Ports.FirstOrDefault(p => p.Name == targetName && p.Protocol == port.Protocol)
                    : slice.Ports.FirstOrDefault(p => p.Port == port.TargetPortNumber && p.Protocol == port.Protocol);
            }
            return match?.Port ?? 0;
        }

        private static List<ServiceBackend> Select(SortedDictionary<(ServiceAddress Address, ushort Port), Candidate> candidates, Func<Candidate, bool> keep) =>
            candidates.Where(kv => keep(kv.Value)).Select(kv => new ServiceBackend(kv.Key.Address, kv.Key.Port, kv.Value.Local)).ToList();

        /// <summary>Adds a backend set (already in canonical order) and its Maglev table; -1 when it is empty.</summary>
        private int AddSet(List<ServiceBackend> backends)
        {
            if (backends.Count == 0)
                return -1;
            var start = _backends.Count;
            foreach (var b in backends)
                _backends.Add(new BackendEntry { High = b.Address.High, Low = b.Address.Low, Port = b.Port, IsLocal = b.IsLocal });
            ushort[]? table = null;
            if (backends.Count > 1)
            {
                var size = Maglev.TableSize(backends.Count, _options.MaglevTableSize);
                var key = size.ToString(CultureInfo.InvariantCulture) + "|" + string.Join(",", backends.Select(b => b.Address.WithPort(b.Port)));
                if (!_maglev.TryGetValue(key, out table))
                {
                    if (!_previousMaglev.TryGetValue(key, out table))
                        table = Maglev.Build(backends.Select(b => (b.Address, b.Port)).ToArray(), size);
                    _maglev[key] = table;
                }
            }
            _sets.Add(new BackendSet { Start = start, Count = backends.Count, Maglev = table });
            return _sets.Count - 1;
        }
    }
}
