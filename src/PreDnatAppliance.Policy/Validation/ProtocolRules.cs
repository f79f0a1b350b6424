using System.Globalization;
using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>
/// Calico's numorstring.Protocol as it arrives from YAML: a number 1-255 (digits, quoted or not) or an exact
/// protocol name. The names are case-sensitive: calicoctl rejects "tcp" with "protocol name invalid".
/// </summary>
internal static class ProtocolRules
{
    private static readonly string[] CanonicalNames = IpProtocol.Names.Select(n => n.Key).ToArray();

    /// <summary>Parses a protocol; on failure <paramref name="error"/> is Calico's reason text.</summary>
    public static bool TryParse(string text, out byte protocol, out string? error)
    {
        protocol = 0;
        error = null;
        if (text.Length > 0 && text.All(c => c is >= '0' and <= '9'))
        {
            // Go's ParseUint(s, 10, 8): numbers above 255 fall back to being a (bad) name.
            if (!ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number > 255)
            {
                error = "protocol name invalid";
                return false;
            }
            if (number == 0)
            {
                error = "protocol number invalid";
                return false;
            }
            protocol = (byte)number;
            return true;
        }
        if (CanonicalNames.Contains(text, StringComparer.Ordinal) && IpProtocol.TryParse(text, out protocol))
            return true;

        var canonical = CanonicalNames.FirstOrDefault(n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
        error = canonical is null
            ? "protocol name invalid"
            : $"protocol name invalid (Calico's protocol names are case-sensitive: use \"{canonical}\")";
        return false;
    }

    /// <summary>numorstring.Protocol.SupportsPorts, which (unlike validation) also accepts the v1 lower-case names.</summary>
    public static bool SupportsPorts(string text)
    {
        if (text.Length > 0 && text.All(c => c is >= '0' and <= '9'))
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is 6 or 17 or 132;
        return text is "TCP" or "UDP" or "SCTP" or "tcp" or "udp" or "sctp";
    }
}
