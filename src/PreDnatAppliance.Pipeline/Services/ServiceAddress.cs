using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// An IPv4 or IPv6 address in <see cref="FlowKey"/>'s layout: IPv4 in the low 32 bits of <see cref="Low"/>
/// (host order, 10.0.0.1 = 0x0A000001) with <see cref="High"/> zero; IPv6 as two big-endian halves. Plain data,
/// ordered (family, then numerically), so backend lists can be sorted into a canonical order.
/// </summary>
public readonly struct ServiceAddress : IEquatable<ServiceAddress>, IComparable<ServiceAddress>
{
    public ServiceAddress(byte version, ulong high, ulong low)
    {
        Version = version;
        High = high;
        Low = low;
    }

    public static ServiceAddress V4(uint address) => new(4, 0, address);

    /// <summary>4 or 6 (0 for the default value, which is no address).</summary>
    public byte Version { get; }
    public ulong High { get; }
    public ulong Low { get; }

    public bool IsValid => Version is 4 or 6;

    public static ServiceAddress FromIPAddress(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes, out _);
            return V4(BinaryPrimitives.ReadUInt32BigEndian(bytes));
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            address.TryWriteBytes(bytes, out _);
            return new ServiceAddress(6, BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]));
        }
        throw new ArgumentException($"not an IP address family: {address.AddressFamily}", nameof(address));
    }

    /// <summary>
    /// Parses an address the way Kubernetes writes it: IPv4 only in canonical dotted-quad form (no leading zeros,
    /// no short forms), IPv6 in any valid form without a zone.
    /// </summary>
    public static bool TryParse(string? text, out ServiceAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text) || text.Contains('%') || !IPAddress.TryParse(text, out var ip))
            return false;
        if (ip.AddressFamily == AddressFamily.InterNetwork && ip.ToString() != text)
            return false;
        address = FromIPAddress(ip);
        return true;
    }

    public static ServiceAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"not an IP address: '{text}'");

    public IPAddress ToIPAddress()
    {
        if (Version == 4)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)Low);
            return new IPAddress(v4);
        }
        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(v6, High);
        BinaryPrimitives.WriteUInt64BigEndian(v6[8..], Low);
        return new IPAddress(v6);
    }

    public bool Equals(ServiceAddress other) => Low == other.Low && High == other.High && Version == other.Version;
    public override bool Equals([NotNullWhen(true)] object? obj) => obj is ServiceAddress other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Version, High, Low);

    public int CompareTo(ServiceAddress other)
    {
        var c = Version.CompareTo(other.Version);
        if (c != 0)
            return c;
        c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    public override string ToString() => IsValid ? ToIPAddress().ToString() : "<none>";

    /// <summary>"10.0.0.1:80" or "[fd00::1]:80".</summary>
    public string WithPort(int port) => Version == 6 ? $"[{this}]:{port}" : $"{this}:{port}";

    public static bool operator ==(ServiceAddress a, ServiceAddress b) => a.Equals(b);
    public static bool operator !=(ServiceAddress a, ServiceAddress b) => !a.Equals(b);
}
