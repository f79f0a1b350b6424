namespace PreDnatAppliance.Policy.Net;

/// <summary>An address prefix. A bare address parses as a host route (/32 or /128), as Calico's ParseCIDROrIP does.</summary>
public readonly struct Cidr : IEquatable<Cidr>, IComparable<Cidr>
{
    public Cidr(IpAddress address, int prefixLength)
    {
        if (prefixLength < 0 || prefixLength > address.BitLength)
            throw new ArgumentOutOfRangeException(nameof(prefixLength));
        Network = address.Mask(prefixLength);
        PrefixLength = (byte)prefixLength;
    }

    /// <summary>The masked network address.</summary>
    public IpAddress Network { get; }
    public byte PrefixLength { get; }
    public byte Version => Network.Version;
    public bool IsCatchAll => PrefixLength == 0;

    public static Cidr Host(IpAddress address) => new(address, address.BitLength);

    public bool Contains(IpAddress address) =>
        address.Version == Network.Version && address.Mask(PrefixLength) == Network;

    public bool Contains(Cidr other) =>
        other.Version == Version && other.PrefixLength >= PrefixLength && Contains(other.Network);

    /// <summary>Parses "a.b.c.d/n", "x::y/n" or a bare address. Host bits are cleared, as Go's net.ParseCIDR does.</summary>
    public static bool TryParse(string? text, out Cidr cidr)
    {
        cidr = default;
        if (string.IsNullOrEmpty(text))
            return false;
        var slash = text!.IndexOf('/');
        if (slash < 0)
        {
            if (!IpAddress.TryParse(text, out var host))
                return false;
            cidr = Host(host);
            return true;
        }
        if (!IpAddress.TryParse(text.Substring(0, slash), out var address))
            return false;
        var lengthText = text.Substring(slash + 1);
        if (lengthText.Length is 0 or > 3 || lengthText.Any(c => c is < '0' or > '9') || (lengthText.Length > 1 && lengthText[0] == '0'))
            return false;
        var length = int.Parse(lengthText, System.Globalization.CultureInfo.InvariantCulture);
        if (length > address.BitLength)
            return false;
        cidr = new Cidr(address, length);
        return true;
    }

    public static Cidr Parse(string text) =>
        TryParse(text, out var cidr) ? cidr : throw new FormatException($"'{text}' is not a CIDR");

    public override string ToString() => $"{Network}/{PrefixLength}";

    public bool Equals(Cidr other) => Network == other.Network && PrefixLength == other.PrefixLength;
    public override bool Equals(object? obj) => obj is Cidr other && Equals(other);
    public override int GetHashCode() => Network.GetHashCode() * 131 + PrefixLength;

    public int CompareTo(Cidr other)
    {
        var c = Network.CompareTo(other.Network);
        return c != 0 ? c : PrefixLength.CompareTo(other.PrefixLength);
    }

    public static bool operator ==(Cidr a, Cidr b) => a.Equals(b);
    public static bool operator !=(Cidr a, Cidr b) => !a.Equals(b);
}
