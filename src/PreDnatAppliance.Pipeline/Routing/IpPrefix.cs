using System.Globalization;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Pipeline.Routing;

/// <summary>
/// An IPv4 or IPv6 prefix in the pipeline's address form (IPv4 in the low 32 bits of <c>Low</c>, IPv6 as two
/// host-order halves), with a precomputed mask so that a test is two ANDs and two compares.
/// </summary>
public readonly struct IpPrefix : IEquatable<IpPrefix>
{
    public IpPrefix(byte version, ulong high, ulong low, int length)
    {
        if (version is not (4 or 6))
            throw new ArgumentOutOfRangeException(nameof(version));
        var bits = version == 4 ? 32 : 128;
        if (length < 0 || length > bits)
            throw new ArgumentOutOfRangeException(nameof(length), $"prefix length {length} is outside 0..{bits}");
        Version = version;
        Length = (byte)length;
        if (version == 4)
        {
            MaskHigh = 0;
            MaskLow = length == 0 ? 0 : (0xFFFFFFFFUL << (32 - length)) & 0xFFFFFFFFUL;
        }
        else
        {
            MaskHigh = length == 0 ? 0 : length >= 64 ? ulong.MaxValue : ulong.MaxValue << (64 - length);
            MaskLow = length <= 64 ? 0 : length == 128 ? ulong.MaxValue : ulong.MaxValue << (128 - length);
        }
        High = high & MaskHigh;
        Low = low & MaskLow;
    }

    public byte Version { get; }
    public ulong High { get; }
    public ulong Low { get; }
    public byte Length { get; }
    public ulong MaskHigh { get; }
    public ulong MaskLow { get; }

    public static IpPrefix Host(ServiceAddress a) => new(a.Version, a.High, a.Low, a.Version == 4 ? 32 : 128);

    public bool Contains(byte version, ulong high, ulong low) =>
        version == Version && (high & MaskHigh) == High && (low & MaskLow) == Low;

    public bool Contains(ServiceAddress a) => Contains(a.Version, a.High, a.Low);

    /// <summary>"10.0.0.0/8", "2001:db8::/32", or a bare address (a host prefix). Host bits are cleared.</summary>
    public static bool TryParse(string? text, out IpPrefix prefix, out ServiceAddress address)
    {
        prefix = default;
        address = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (!ServiceAddress.TryParse(addressText.Trim(), out address))
            return false;
        var bits = address.Version == 4 ? 32 : 128;
        var length = bits;
        if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > bits))
            return false;
        prefix = new IpPrefix(address.Version, address.High, address.Low, length);
        return true;
    }

    public static IpPrefix Parse(string text) =>
        TryParse(text, out var p, out _) ? p : throw new FormatException($"'{text}' is not an IP prefix");

    public override string ToString() => new ServiceAddress(Version, High, Low) + "/" + Length.ToString(CultureInfo.InvariantCulture);

    public bool Equals(IpPrefix other) => Version == other.Version && High == other.High && Low == other.Low && Length == other.Length;
    public override bool Equals(object? obj) => obj is IpPrefix other && Equals(other);
    public override int GetHashCode() => HashCode.Combine(Version, High, Low, Length);
}

/// <summary>MAC addresses as the parse stage keeps them: 48 bits in a ulong, wire order from high to low.</summary>
public static class MacAddress
{
    public const ulong Broadcast = 0xFFFF_FFFF_FFFFUL;

    public static bool TryParse(string? text, out ulong mac)
    {
        mac = 0;
        if (text is null)
            return false;
        var parts = text.Split(':', '-');
        if (parts.Length != 6)
            return false;
        foreach (var part in parts)
        {
            if (part.Length is < 1 or > 2 || !byte.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var b))
                return false;
            mac = mac << 8 | b;
        }
        return true;
    }

    public static string Format(ulong mac) => string.Join(":",
        Enumerable.Range(0, 6).Select(i => ((mac >> (40 - 8 * i)) & 0xFF).ToString("x2", CultureInfo.InvariantCulture)));

    /// <summary>Writes the 6 bytes at <paramref name="p"/> in wire order.</summary>
    public static unsafe void Write(byte* p, ulong mac)
    {
        for (var i = 0; i < 6; i++)
            p[i] = (byte)(mac >> (40 - 8 * i));
    }

    public static unsafe ulong Read(byte* p)
    {
        ulong mac = 0;
        for (var i = 0; i < 6; i++)
            mac = mac << 8 | p[i];
        return mac;
    }
}
