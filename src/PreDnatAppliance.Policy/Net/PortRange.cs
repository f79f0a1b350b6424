using System.Globalization;

namespace PreDnatAppliance.Policy.Net;

/// <summary>An inclusive port range; a single port is a range of one.</summary>
public readonly struct PortRange : IEquatable<PortRange>, IComparable<PortRange>
{
    public PortRange(ushort first, ushort last)
    {
        First = first;
        Last = last;
    }

    public ushort First { get; }
    public ushort Last { get; }

    public bool Contains(ushort port) => port >= First && port <= Last;

    public override string ToString() => First == Last
        ? First.ToString(CultureInfo.InvariantCulture)
        : $"{First}:{Last}";

    public bool Equals(PortRange other) => First == other.First && Last == other.Last;
    public override bool Equals(object? obj) => obj is PortRange other && Equals(other);
    public override int GetHashCode() => First << 16 | Last;
    public int CompareTo(PortRange other) => First != other.First ? First.CompareTo(other.First) : Last.CompareTo(other.Last);
}
