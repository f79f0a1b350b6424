using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// The addresses a rule selector resolved to at build time. Kept as data, not code, so that its members
/// can later change at run time without regenerating the classifier (Calico's ipsets play this part).
/// </summary>
public sealed class IpSet
{
    public IpSet(string id, string description, IReadOnlyList<Cidr> members)
    {
        Id = id;
        Description = description;
        Members = members;
    }

    /// <summary>Deterministic: "s:" plus a hash of the description.</summary>
    public string Id { get; }

    /// <summary>The scoped selector the set stands for, e.g. <c>has(host-endpoint)</c>.</summary>
    public string Description { get; }

    /// <summary>Sorted, de-duplicated.</summary>
    public IReadOnlyList<Cidr> Members { get; }

    public bool Contains(IpAddress address)
    {
        foreach (var member in Members)
            if (member.Contains(address))
                return true;
        return false;
    }
}

/// <summary>One (address, protocol, port) member of a named-port set.</summary>
public readonly struct NamedPortMember : IEquatable<NamedPortMember>, IComparable<NamedPortMember>
{
    public NamedPortMember(Cidr address, byte protocol, ushort port)
    {
        Address = address;
        Protocol = protocol;
        Port = port;
    }

    public Cidr Address { get; }
    public byte Protocol { get; }
    public ushort Port { get; }

    public bool Equals(NamedPortMember other) => Address == other.Address && Protocol == other.Protocol && Port == other.Port;
    public override bool Equals(object? obj) => obj is NamedPortMember other && Equals(other);
    public override int GetHashCode() => Address.GetHashCode() ^ Protocol << 16 ^ Port;

    public int CompareTo(NamedPortMember other)
    {
        var c = Address.CompareTo(other.Address);
        if (c != 0) return c;
        c = Protocol.CompareTo(other.Protocol);
        return c != 0 ? c : Port.CompareTo(other.Port);
    }

    public override string ToString() => $"{Address},{IpProtocol.Name(Protocol).ToLowerInvariant()}:{Port}";
}

/// <summary>A named port resolved to the endpoints that define it (Calico's hash:ip,port sets).</summary>
public sealed class NamedPortSet
{
    public NamedPortSet(string id, string portName, string description, IReadOnlyList<NamedPortMember> members)
    {
        Id = id;
        PortName = portName;
        Description = description;
        Members = members;
    }

    public string Id { get; }
    public string PortName { get; }
    public string Description { get; }
    public IReadOnlyList<NamedPortMember> Members { get; }

    public bool Contains(IpAddress address, byte protocol, ushort port)
    {
        foreach (var member in Members)
            if (member.Port == port && member.Protocol == protocol && member.Address.Contains(address))
                return true;
        return false;
    }
}
