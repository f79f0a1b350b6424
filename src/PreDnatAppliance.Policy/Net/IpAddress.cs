using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PreDnatAppliance.Policy.Net;

/// <summary>
/// An IPv4 or IPv6 address as two 64-bit halves (IPv4 lives in the low 32 bits of <see cref="Low"/>),
/// so that prefix tests are shifts and compares, the same arithmetic the generated classifiers use.
/// </summary>
public readonly struct IpAddress : IEquatable<IpAddress>, IComparable<IpAddress>
{
    public IpAddress(byte version, ulong high, ulong low)
    {
        Version = version;
        High = version == 4 ? 0 : high;
        Low = version == 4 ? low & 0xFFFF_FFFFUL : low;
    }

    public byte Version { get; }
    public ulong High { get; }
    public ulong Low { get; }

    public bool IsV4 => Version == 4;
    public int BitLength => Version == 4 ? 32 : 128;

    public static IpAddress V4(uint value) => new(4, 0, value);
    public static IpAddress V4(byte a, byte b, byte c, byte d) => V4((uint)(a << 24 | b << 16 | c << 8 | d));
    public static IpAddress V6(ulong high, ulong low) => new(6, high, low);

    /// <summary>The address as a 32-bit value; only meaningful for IPv4.</summary>
    public uint V4Value => (uint)Low;

    public static bool TryParse(string? text, out IpAddress address)
    {
        address = default;
        if (string.IsNullOrEmpty(text) || text!.Trim() != text)
            return false;
        if (text.IndexOf(':') < 0)
            return TryParseV4(text, out address);
        // IPAddress.TryParse accepts zone IDs and other forms Calico does not; reject a '%' zone explicitly.
        if (text.IndexOf('%') >= 0 || !IPAddress.TryParse(text, out var parsed) || parsed.AddressFamily != AddressFamily.InterNetworkV6)
            return false;
        address = FromBytes(parsed.GetAddressBytes());
        return true;
    }

    public static IpAddress Parse(string text) =>
        TryParse(text, out var address) ? address : throw new FormatException($"'{text}' is not an IP address");

    /// <summary>Strict dotted quad: four decimal octets, no leading zeros (Go's net.ParseIP rejects them too).</summary>
    private static bool TryParseV4(string text, out IpAddress address)
    {
        address = default;
        var parts = text.Split('.');
        if (parts.Length != 4)
            return false;
        uint value = 0;
        foreach (var part in parts)
        {
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0'))
                return false;
            if (!uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet) || octet > 255)
                return false;
            value = value << 8 | octet;
        }
        address = V4(value);
        return true;
    }

    public static IpAddress FromBytes(IReadOnlyList<byte> bytes)
    {
        if (bytes.Count == 4)
            return V4((uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]));
        if (bytes.Count != 16)
            throw new ArgumentException("an IP address has 4 or 16 bytes", nameof(bytes));
        ulong high = 0, low = 0;
        for (var i = 0; i < 8; i++)
            high = high << 8 | bytes[i];
        for (var i = 8; i < 16; i++)
            low = low << 8 | bytes[i];
        return V6(high, low);
    }

    public byte[] GetBytes()
    {
        if (IsV4)
        {
            var v = V4Value;
            return new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };
        }
        var bytes = new byte[16];
        for (var i = 0; i < 8; i++)
        {
            bytes[i] = (byte)(High >> (56 - 8 * i));
            bytes[8 + i] = (byte)(Low >> (56 - 8 * i));
        }
        return bytes;
    }

    /// <summary>Keeps the first <paramref name="prefixLength"/> bits and clears the rest.</summary>
    public IpAddress Mask(int prefixLength)
    {
        if (IsV4)
        {
            var mask = prefixLength == 0 ? 0u : uint.MaxValue << (32 - prefixLength);
            return V4(V4Value & mask);
        }
        ulong highMask = prefixLength >= 64 ? ulong.MaxValue : prefixLength == 0 ? 0 : ulong.MaxValue << (64 - prefixLength);
        ulong lowMask = prefixLength <= 64 ? 0 : prefixLength == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - prefixLength);
        return V6(High & highMask, Low & lowMask);
    }

    public override string ToString() => IsV4
        ? $"{V4Value >> 24}.{(V4Value >> 16) & 0xFF}.{(V4Value >> 8) & 0xFF}.{V4Value & 0xFF}"
        : new IPAddress(GetBytes()).ToString();

    public bool Equals(IpAddress other) => Version == other.Version && High == other.High && Low == other.Low;
    public override bool Equals(object? obj) => obj is IpAddress other && Equals(other);
    public override int GetHashCode() => unchecked((int)(High ^ (High >> 32) ^ Low ^ (Low >> 32)) * 31 + Version);

    public int CompareTo(IpAddress other)
    {
        var c = Version.CompareTo(other.Version);
        if (c != 0) return c;
        c = High.CompareTo(other.High);
        return c != 0 ? c : Low.CompareTo(other.Low);
    }

    public static bool operator ==(IpAddress a, IpAddress b) => a.Equals(b);
    public static bool operator !=(IpAddress a, IpAddress b) => !a.Equals(b);
}
