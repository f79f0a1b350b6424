using System.Globalization;
using System.Text.Json;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Pipeline.Configuration;

/// <summary>
/// The appliance's configuration file (JSON, camelCase, comments allowed, unknown keys rejected): the node, the data
/// path (<see cref="DataplaneOptions"/>: lcores, memory and the ports, each with its MAC, addresses and role), static
/// routes and neighbours, NAT and conntrack settings. <c>prednat run</c> and <c>prednat replay</c> read the same file;
/// without <c>--config</c> both use the embedded default (<c>config/appliance.json</c>). See docs/pipeline.md.
/// </summary>
public sealed class ApplianceConfiguration
{
    public NodeOptions Node { get; set; } = new();

    /// <summary>The data path: lcores, memory, mempool, burst size, and the ports (name, vdev/pci, mac, addresses, role).</summary>
    public DataplaneOptions Dataplane { get; set; } = new();

    /// <summary>Static routes; connected routes come from the ports' addresses. Longest prefix wins, then the first listed.</summary>
    public List<RouteOptions> Routes { get; set; } = new();

    /// <summary>Static neighbours (IP to MAC); others are learned from ARP for IPv4.</summary>
    public List<NeighbourOptions> Neighbours { get; set; } = new();

    public NatOptions Nat { get; set; } = new();

    public ConntrackConfiguration Conntrack { get; set; } = new();

    public IcmpOptions Icmp { get; set; } = new();

    /// <summary>How the services file is watched for changes (<c>prednat run --services</c>).</summary>
    public ServicesWatchOptions Services { get; set; } = new();

    /// <summary>The port host-bound packets are punted to (role <c>kernel</c>); default: the only port with that role.</summary>
    public string? KernelPort { get; set; }

    public const string DefaultResourceName = "appliance.json";
    public const string DefaultServicesResourceName = "services.yaml";

    public static ApplianceConfiguration Load(string path) => Parse(File.ReadAllText(path), path);

    public static ApplianceConfiguration Parse(string json, string sourceName)
    {
        try
        {
            return JsonSerializer.Deserialize<ApplianceConfiguration>(json, DataplaneOptions.JsonOptions)
                ?? throw new ApplianceConfigurationException(new[] { $"{sourceName}: empty configuration" });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"{sourceName}:{line + 1}:{(e.BytePositionInLine ?? 0) + 1}" : sourceName;
            throw new ApplianceConfigurationException(new[] { $"{where}: {e.Message}" });
        }
    }

    /// <summary>The embedded default (the repository's <c>config/appliance.json</c>).</summary>
    public static ApplianceConfiguration Default() => Parse(ReadResource(DefaultResourceName), "embedded " + DefaultResourceName);

    /// <summary>The embedded default services file (the repository's <c>config/services.yaml</c>).</summary>
    public static string DefaultServicesYaml() => ReadResource(DefaultServicesResourceName);

    public static string ReadResource(string name)
    {
        using var stream = typeof(ApplianceConfiguration).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"{name} is not embedded in {typeof(ApplianceConfiguration).Assembly.GetName().Name}");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public string ToJson() => JsonSerializer.Serialize(this, DataplaneOptions.JsonOptions);

    /// <summary>The node as the service tables see it: its name and addresses (<see cref="NodeOptions.Addresses"/>, else every port address).</summary>
    public NodeIdentity NodeIdentity()
    {
        var addresses = Node.Addresses.Count > 0
            ? Node.Addresses.Select(ServiceAddress.Parse).ToList()
            : Dataplane.Ports.SelectMany(p => p.Addresses).Select(a => IpPrefix.TryParse(a, out _, out var address) ? address : default)
                .Where(a => a.IsValid).ToList();
        return new NodeIdentity(Node.Name, addresses);
    }

    public ServiceTableOptions ServiceOptions(long ticksPerSecond)
    {
        var (min, max) = ParsePortRange(Nat.NodePortRange) ?? (30000, 32767);
        return new ServiceTableOptions
        {
            NodePortMin = min,
            NodePortMax = max,
            SnatClusterToRemote = Nat.SnatClusterToRemote,
            SnatHairpin = Nat.SnatHairpin,
            SnatIPv4 = Nat.SnatIPv4 is { } v4 ? ServiceAddress.Parse(v4) : null,
            SnatIPv6 = Nat.SnatIPv6 is { } v6 ? ServiceAddress.Parse(v6) : null,
            TicksPerSecond = ticksPerSecond,
        };
    }

    /// <summary>The kernel port's name, or null when none is configured.</summary>
    public string? ResolveKernelPort() =>
        KernelPort ?? Dataplane.Ports.Where(p => p.Role == PortRole.Kernel).Select(p => p.Name).SingleOrDefault();

    internal static (int Min, int Max)? ParsePortRange(string? text)
    {
        if (string.IsNullOrEmpty(text))
            return null;
        var parts = text.Split('-', ':');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            || min is < 1 or > 65535 || max is < 1 or > 65535 || min > max)
            return null;
        return (min, max);
    }

    /// <summary>Every problem of the pipeline's part of the configuration (the DPDK part is checked by <see cref="DataplaneOptionsValidator"/> when the data path starts).</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrEmpty(Node.Name))
            errors.Add("node.name: the node name is required (it is the HostEndpoint/WorkloadEndpoint spec.node of this appliance)");
        for (var i = 0; i < Node.Addresses.Count; i++)
            if (!ServiceAddress.TryParse(Node.Addresses[i], out _))
                errors.Add($"node.addresses[{i}]: '{Node.Addresses[i]}' is not an IP address");

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < Dataplane.Ports.Count; i++)
        {
            var p = Dataplane.Ports[i];
            if (string.IsNullOrEmpty(p.Name))
                errors.Add($"dataplane.ports[{i}].name: a port needs a name");
            else if (!names.Add(p.Name))
                errors.Add($"dataplane.ports[{i}].name: '{p.Name}' is used twice");
            if (p.Mac is null)
                errors.Add($"dataplane.ports[{i}].mac: the pipeline needs each port's MAC address");
            else if (!MacAddress.TryParse(p.Mac, out _))
                errors.Add($"dataplane.ports[{i}].mac: '{p.Mac}' is not a MAC address (aa:bb:cc:dd:ee:ff)");
            for (var j = 0; j < p.Addresses.Count; j++)
                if (!IpPrefix.TryParse(p.Addresses[j], out _, out _) || !p.Addresses[j].Contains('/'))
                    errors.Add($"dataplane.ports[{i}].addresses[{j}]: '{p.Addresses[j]}' is not an address with prefix length (192.0.2.10/24)");
        }
        if (Dataplane.Ports.Count == 0)
            errors.Add("dataplane.ports: at least one port is needed");

        for (var i = 0; i < Routes.Count; i++)
        {
            var r = Routes[i];
            if (!IpPrefix.TryParse(r.Prefix, out var prefix, out _) || !r.Prefix.Contains('/'))
                errors.Add($"routes[{i}].prefix: '{r.Prefix}' is not a prefix (10.0.0.0/8)");
            if (!names.Contains(r.Port))
                errors.Add($"routes[{i}].port: no port is named '{r.Port}'");
            if (r.Via is { } via && (!ServiceAddress.TryParse(via, out var hop) || (prefix.Version != 0 && hop.Version != prefix.Version)))
                errors.Add($"routes[{i}].via: '{via}' is not an address of the prefix's family");
        }
        for (var i = 0; i < Neighbours.Count; i++)
        {
            if (!ServiceAddress.TryParse(Neighbours[i].Ip, out _))
                errors.Add($"neighbours[{i}].ip: '{Neighbours[i].Ip}' is not an IP address");
            if (!MacAddress.TryParse(Neighbours[i].Mac, out _))
                errors.Add($"neighbours[{i}].mac: '{Neighbours[i].Mac}' is not a MAC address");
        }
        if (ParsePortRange(Nat.NodePortRange) is null)
            errors.Add($"nat.nodePortRange: '{Nat.NodePortRange}' is not a port range (30000-32767)");
        if (Nat.SnatIPv4 is { } s4 && (!ServiceAddress.TryParse(s4, out var a4) || a4.Version != 4))
            errors.Add($"nat.snatIPv4: '{s4}' is not an IPv4 address");
        if (Nat.SnatIPv6 is { } s6 && (!ServiceAddress.TryParse(s6, out var a6) || a6.Version != 6))
            errors.Add($"nat.snatIPv6: '{s6}' is not an IPv6 address");
        if (Conntrack.Capacity is < 16 or > (1 << 28))
            errors.Add($"conntrack.capacity: {Conntrack.Capacity} is outside 16..268435456");
        if (Services.PollIntervalMs is < 50 or > 60_000)
            errors.Add($"services.pollIntervalMs: {Services.PollIntervalMs} is outside 50..60000");
        if (Services.DebounceMs is < 0 or > 60_000)
            errors.Add($"services.debounceMs: {Services.DebounceMs} is outside 0..60000");
        if (Icmp.RejectRatePerSecond < 0 || Icmp.RejectBurst < 1)
            errors.Add("icmp: rejectRatePerSecond must be ≥ 0 and rejectBurst ≥ 1");
        if (KernelPort is { } k)
        {
            var port = Dataplane.Ports.FirstOrDefault(p => p.Name == k);
            if (port is null)
                errors.Add($"kernelPort: no port is named '{k}'");
            else if (port.Role != PortRole.Kernel)
                errors.Add($"kernelPort: port '{k}' must have role kernel");
        }
        else if (Dataplane.Ports.Count(p => p.Role == PortRole.Kernel) > 1)
            errors.Add("kernelPort: several ports have role kernel; name the one to punt to");
        return errors;
    }

    public void ThrowIfInvalid(string sourceName)
    {
        var errors = Validate();
        if (errors.Count > 0)
            throw new ApplianceConfigurationException(errors.Select(e => $"{sourceName}: {e}").ToArray());
    }
}

public sealed class NodeOptions
{
    /// <summary>The Calico node name (HostEndpoint and WorkloadEndpoint <c>spec.node</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>The node's addresses: packets to them are host-bound, NodePorts listen on them. Empty: every port address.</summary>
    public List<string> Addresses { get; set; } = new();
}

public sealed class RouteOptions
{
    public string Prefix { get; set; } = "";
    public string Port { get; set; } = "";

    /// <summary>The next hop; null for an on-link prefix (the destination itself is the neighbour).</summary>
    public string? Via { get; set; }
}

public sealed class NeighbourOptions
{
    public string Ip { get; set; } = "";
    public string Mac { get; set; } = "";
}

public sealed class NatOptions
{
    /// <summary>SNAT to the node when a Cluster-policy frontend picks a backend on another node (kube-proxy's masquerade).</summary>
    public bool SnatClusterToRemote { get; set; } = true;
    public bool SnatHairpin { get; set; } = true;

    /// <summary>The SNAT source address (default: the node's first address of the family).</summary>
    public string? SnatIPv4 { get; set; }
    public string? SnatIPv6 { get; set; }

    /// <summary>kube-apiserver's --service-node-port-range.</summary>
    public string NodePortRange { get; set; } = "30000-32767";
}

public sealed class ConntrackConfiguration
{
    /// <summary>Most tracked flows (nf_conntrack_max); memory is allocated for exactly this many at start.</summary>
    public int Capacity { get; set; } = 1 << 20;

    /// <summary>nf_conntrack_tcp_loose: a mid-stream TCP packet of an unknown flow may start one (after policy).</summary>
    public bool TcpLoosePickup { get; set; } = true;
}

public sealed class ServicesWatchOptions
{
    /// <summary>How often the services file's size and time are checked.</summary>
    public int PollIntervalMs { get; set; } = 1000;

    /// <summary>How long a changed file must stay unchanged before it is read (a writer that is not atomic is not read half-written).</summary>
    public int DebounceMs { get; set; } = 500;
}

public sealed class IcmpOptions
{
    /// <summary>ICMP port unreachable answers (services without endpoints) per second and worker; 0 disables them (drop instead).</summary>
    public double RejectRatePerSecond { get; set; } = 100;

    /// <summary>Token bucket depth: that many answers may go out back to back.</summary>
    public int RejectBurst { get; set; } = 50;
}

public sealed class ApplianceConfigurationException : Exception
{
    public ApplianceConfigurationException(IReadOnlyList<string> errors)
        : base("invalid appliance configuration:" + string.Concat(errors.Select(e => "\n  " + e)))
        => Errors = errors;

    public IReadOnlyList<string> Errors { get; }
}
