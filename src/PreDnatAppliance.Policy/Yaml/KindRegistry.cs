using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>One supported kind: how to create it and read its spec.</summary>
internal sealed class KindInfo
{
    public KindInfo(string name, Func<Resource> create, Action<ReadContext, YamlValue, Resource, FieldPath> readSpec)
    {
        Name = name;
        Create = create;
        ReadSpec = readSpec;
    }

    /// <summary>The kind as written, which is also the Go struct name used in messages.</summary>
    public string Name { get; }
    public Func<Resource> Create { get; }
    public Action<ReadContext, YamlValue, Resource, FieldPath> ReadSpec { get; }
}

/// <summary>The kinds the appliance reads, by the name written in <c>kind:</c>.</summary>
internal static class KindRegistry
{
    private static readonly KindInfo[] Kinds =
    {
        new("GlobalNetworkPolicy", () => new PolicyResource(isGlobal: true), (c, v, r, f) => PolicySpecReader.Read(c, v, (PolicyResource)r, f)),
        new("NetworkPolicy", () => new PolicyResource(isGlobal: false), (c, v, r, f) => PolicySpecReader.Read(c, v, (PolicyResource)r, f)),
        new("HostEndpoint", () => new HostEndpoint(), (c, v, r, f) => EndpointSpecReader.ReadHost(c, v, (HostEndpoint)r, f)),
        new("WorkloadEndpoint", () => new WorkloadEndpoint(), (c, v, r, f) => EndpointSpecReader.ReadWorkload(c, v, (WorkloadEndpoint)r, f)),
        new("Profile", () => new Profile(), (c, v, r, f) => OtherSpecReaders.ReadProfile(c, v, (Profile)r, f)),
        new("Tier", () => new Tier(), (c, v, r, f) => OtherSpecReaders.ReadTier(c, v, (Tier)r, f)),
        new("GlobalNetworkSet", () => new NetworkSet(isGlobal: true), (c, v, r, f) => OtherSpecReaders.ReadNetworkSet(c, v, (NetworkSet)r, f)),
        new("NetworkSet", () => new NetworkSet(isGlobal: false), (c, v, r, f) => OtherSpecReaders.ReadNetworkSet(c, v, (NetworkSet)r, f)),
        new("FelixConfiguration", () => new FelixConfiguration(), (c, v, r, f) => FelixConfigurationReader.Read(c, v, (FelixConfiguration)r, f)),
    };

    private static readonly Dictionary<string, KindInfo> ByName = Kinds.ToDictionary(k => k.Name, StringComparer.Ordinal);

    public const string ListKind = "List";
    private const string ListSuffix = "List";

    /// <summary>For messages: "GlobalNetworkPolicy, NetworkPolicy, ...".</summary>
    public static string SupportedKinds => string.Join(", ", Kinds.Select(k => k.Name));

    public static bool TryGet(string kind, out KindInfo info) => ByName.TryGetValue(kind, out info!);

    public static KindInfo For(ResourceKind kind) => ByName[kind.ToString()];

    /// <summary>True for <c>List</c> and <c>&lt;Kind&gt;List</c>; <paramref name="itemKind"/> is null for the untyped List.</summary>
    public static bool IsList(string kind, out KindInfo? itemKind)
    {
        itemKind = null;
        if (string.Equals(kind, ListKind, StringComparison.Ordinal))
        {
            return true;
        }
        if (kind.Length > ListSuffix.Length && kind.EndsWith(ListSuffix, StringComparison.Ordinal)
            && ByName.TryGetValue(kind.Substring(0, kind.Length - ListSuffix.Length), out var info))
        {
            itemKind = info;
            return true;
        }
        return false;
    }
}
