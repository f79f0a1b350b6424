using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// Resolves scopes to IP sets and named ports to (IP, protocol, port) sets, one set per distinct scope,
/// shared by every rule that uses it (as Felix shares ipsets between policies).
/// </summary>
public sealed class SetRegistry
{
    private readonly IReadOnlyList<LabelledEntity> _entities;
    private readonly Dictionary<string, IpSet> _ipSets = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NamedPortSet> _namedPortSets = new(StringComparer.Ordinal);

    public SetRegistry(IReadOnlyList<LabelledEntity> entities) => _entities = entities;

    public IReadOnlyCollection<IpSet> IpSets => _ipSets.Values;
    public IReadOnlyCollection<NamedPortSet> NamedPortSets => _namedPortSets.Values;

    public IpSet IpSetFor(EntityScope scope)
    {
        if (_ipSets.TryGetValue(scope.Key, out var existing))
            return existing;
        var members = _entities.Where(scope.Matches).SelectMany(e => e.Addresses).Distinct().OrderBy(c => c).ToList();
        var set = new IpSet("s:" + ShortHash(scope.Key), scope.Key, members);
        _ipSets.Add(scope.Key, set);
        return set;
    }

    /// <summary>
    /// Felix's rule scanner: the endpoints that define the port name, narrowed by the positive selector on
    /// the same side when there is one, and by the rule's protocol when it has one.
    /// </summary>
    public NamedPortSet NamedPortSetFor(string portName, EntityScope scope, byte? protocol)
    {
        var key = $"{portName}|{(protocol is null ? "any" : IpProtocol.Name(protocol.Value))}|{scope.Key}";
        if (_namedPortSets.TryGetValue(key, out var existing))
            return existing;
        var members = new SortedSet<NamedPortMember>();
        foreach (var entity in _entities)
        {
            if (entity.NamedPorts.Count == 0 || !scope.Matches(entity))
                continue;
            foreach (var (name, proto, port) in entity.NamedPorts)
            {
                if (name != portName || (protocol is not null && proto != protocol))
                    continue;
                foreach (var address in entity.Addresses)
                    members.Add(new NamedPortMember(address, proto, port));
            }
        }
        var description = $"named port \"{portName}\"{(protocol is null ? "" : " " + IpProtocol.Name(protocol.Value))} of {scope.Key}";
        var set = new NamedPortSet("n:" + ShortHash(key), portName, description, members.ToList());
        _namedPortSets.Add(key, set);
        return set;
    }

    private static string ShortHash(string text) => RuleId.FromKey(text).Value.ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
}
