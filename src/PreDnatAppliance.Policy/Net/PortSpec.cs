using System.Globalization;
using System.Text.RegularExpressions;

namespace PreDnatAppliance.Policy.Net;

/// <summary>One item of a rule's ports list (Calico's numorstring.Port): a number, "first:last", or a port name.</summary>
public readonly struct PortSpec : IEquatable<PortSpec>
{
    private static readonly Regex NamePattern = new("^[a-zA-Z0-9_.-]{1,128}$", RegexOptions.CultureInvariant);

    private PortSpec(PortRange range, string? name)
    {
        Range = range;
        Name = name;
    }

    public PortRange Range { get; }

    /// <summary>Set for a named port; the range is then unused.</summary>
    public string? Name { get; }

    public bool IsNamed => Name is not null;

    public static PortSpec Numeric(ushort first, ushort last) => new(new PortRange(first, last), null);
    public static PortSpec Named(string name) => new(default, name);

    /// <summary>
    /// Classifies an item as written. Returns false with Calico's message when the text is neither a valid
    /// port, a valid range nor a valid port name.
    /// </summary>
    public static bool TryParse(string text, out PortSpec spec, out string? error)
    {
        spec = default;
        error = null;
        var colon = text.IndexOf(':');
        if (colon >= 0)
        {
            var lowText = text.Substring(0, colon);
            var highText = text.Substring(colon + 1);
            if (!TryParseNumber(lowText, out var low) || !TryParseNumber(highText, out var high))
            {
                error = $"invalid port range format: '{text}'";
                return false;
            }
            if (low > high)
            {
                error = $"minimum port number ({low}) is greater than maximum port number ({high}) in port range";
                return false;
            }
            spec = Numeric((ushort)low, (ushort)high);
            return true;
        }
        if (text.Length > 0 && text.All(c => c is >= '0' and <= '9'))
        {
            if (!TryParseNumber(text, out var port))
            {
                error = $"port number {text} is out of range: must be 0-65535";
                return false;
            }
            spec = Numeric((ushort)port, (ushort)port);
            return true;
        }
        if (!NamePattern.IsMatch(text))
        {
            error = $"invalid port name: '{text}'";
            return false;
        }
        spec = Named(text);
        return true;
    }

    private static bool TryParseNumber(string text, out int value)
    {
        value = 0;
        return text.Length is > 0 and <= 5 && text.All(c => c is >= '0' and <= '9')
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= 65535;
    }

    public override string ToString() => Name ?? Range.ToString();

    public bool Equals(PortSpec other) => Range.Equals(other.Range) && string.Equals(Name, other.Name, StringComparison.Ordinal);
    public override bool Equals(object? obj) => obj is PortSpec other && Equals(other);
    public override int GetHashCode() => Name?.GetHashCode() ?? Range.GetHashCode();
}
