namespace PreDnatAppliance.Policy.Net;

/// <summary>IANA protocol numbers and Calico's protocol names (numorstring.Protocol).</summary>
public static class IpProtocol
{
    public const byte Icmp = 1;
    public const byte Tcp = 6;
    public const byte Udp = 17;
    public const byte IcmpV6 = 58;
    public const byte Sctp = 132;
    public const byte UdpLite = 136;

    /// <summary>Calico's canonical spellings; matched case-insensitively.</summary>
    public static readonly IReadOnlyList<KeyValuePair<string, byte>> Names = new[]
    {
        new KeyValuePair<string, byte>("TCP", Tcp),
        new KeyValuePair<string, byte>("UDP", Udp),
        new KeyValuePair<string, byte>("ICMP", Icmp),
        new KeyValuePair<string, byte>("ICMPv6", IcmpV6),
        new KeyValuePair<string, byte>("SCTP", Sctp),
        new KeyValuePair<string, byte>("UDPLite", UdpLite),
    };

    /// <summary>Accepts a protocol name (any case) or a number 1-255.</summary>
    public static bool TryParse(string? text, out byte protocol)
    {
        protocol = 0;
        // Not string.IsNullOrEmpty: netstandard2.0's lacks the attribute that tells the compiler text is not null after it.
        if (text is null || text.Length == 0)
            return false;
        foreach (var pair in Names)
        {
            if (string.Equals(pair.Key, text, StringComparison.OrdinalIgnoreCase))
            {
                protocol = pair.Value;
                return true;
            }
        }
        if (text.All(c => c is >= '0' and <= '9') && text.Length <= 3 && int.TryParse(text, out var number) && number is >= 1 and <= 255)
        {
            protocol = (byte)number;
            return true;
        }
        return false;
    }

    public static string Name(byte protocol)
    {
        foreach (var pair in Names)
            if (pair.Value == protocol)
                return pair.Key;
        return protocol.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Protocols whose rules may carry numeric ports.</summary>
    public static bool HasPorts(byte protocol) => protocol is Tcp or Udp or Sctp;

    public static bool IsIcmpFamily(byte protocol) => protocol is Icmp or IcmpV6;
}
