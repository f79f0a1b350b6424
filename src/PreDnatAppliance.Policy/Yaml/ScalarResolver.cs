using System.Globalization;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>
/// Resolves scalars the way YAML 1.2's core schema does, so that <c>port: 80</c> is a number and
/// <c>port: "80"</c> a string: the distinction Go's JSON decoding makes after calicoctl converts YAML to JSON.
/// YAML 1.1 spellings (yes/no/on/off, 0777 octal, 1_000) are deliberately plain strings.
/// </summary>
internal static class ScalarResolver
{
    private const string CoreTagPrefix = "tag:yaml.org,2002:";

    private static readonly Regex DecimalInt = new(@"^[-+]?[0-9]+$", RegexOptions.CultureInvariant);
    private static readonly Regex OctalInt = new(@"^0o[0-7]+$", RegexOptions.CultureInvariant);
    private static readonly Regex HexInt = new(@"^0x[0-9a-fA-F]+$", RegexOptions.CultureInvariant);
    private static readonly Regex Float = new(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant);
    private static readonly Regex Infinity = new(@"^[-+]?\.(inf|Inf|INF)$", RegexOptions.CultureInvariant);
    private static readonly Regex NotANumber = new(@"^\.(nan|NaN|NAN)$", RegexOptions.CultureInvariant);

    public static ScalarKind Resolve(string text, ScalarStyle style, TagName tag)
    {
        if (!tag.IsEmpty)
        {
            if (tag.IsNonSpecific)
            {
                return ScalarKind.String;
            }
            switch (tag.Value)
            {
                case CoreTagPrefix + "str": return ScalarKind.String;
                case CoreTagPrefix + "null": return ScalarKind.Null;
                case CoreTagPrefix + "bool": return IsBool(text) ? ScalarKind.Bool : ScalarKind.String;
                case CoreTagPrefix + "int": return IsInt(text) ? ScalarKind.Int : ScalarKind.String;
                case CoreTagPrefix + "float": return IsInt(text) || IsFloat(text) ? ScalarKind.Float : ScalarKind.String;
            }
        }
        if (style != ScalarStyle.Plain)
        {
            return ScalarKind.String;
        }
        if (text.Length == 0 || text is "~" or "null" or "Null" or "NULL")
        {
            return ScalarKind.Null;
        }
        if (IsBool(text))
        {
            return ScalarKind.Bool;
        }
        if (IsInt(text))
        {
            return TryParseInteger(text, out _) ? ScalarKind.Int : ScalarKind.Float;
        }
        return IsFloat(text) ? ScalarKind.Float : ScalarKind.String;
    }

    public static bool TryParseBool(string text, out bool value)
    {
        value = text is "true" or "True" or "TRUE";
        return value || text is "false" or "False" or "FALSE";
    }

    /// <summary>Decimal, 0o octal or 0x hex, within the range of a long.</summary>
    public static bool TryParseInteger(string text, out long value)
    {
        value = 0;
        try
        {
            if (OctalInt.IsMatch(text))
            {
                value = Convert.ToInt64(text.Substring(2), 8);
                return true;
            }
            if (HexInt.IsMatch(text))
            {
                var parsed = ulong.Parse(text.Substring(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                if (parsed > long.MaxValue)
                {
                    return false;
                }
                value = (long)parsed;
                return true;
            }
        }
        catch (OverflowException)
        {
            return false;
        }
        return DecimalInt.IsMatch(text) && long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    public static bool TryParseFloat(string text, out double value)
    {
        if (TryParseInteger(text, out var integer))
        {
            value = integer;
            return true;
        }
        if (Infinity.IsMatch(text))
        {
            value = text[0] == '-' ? double.NegativeInfinity : double.PositiveInfinity;
            return true;
        }
        if (NotANumber.IsMatch(text))
        {
            value = double.NaN;
            return true;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsBool(string text) => TryParseBool(text, out _);
    private static bool IsInt(string text) => DecimalInt.IsMatch(text) || OctalInt.IsMatch(text) || HexInt.IsMatch(text);
    private static bool IsFloat(string text) => Float.IsMatch(text) || Infinity.IsMatch(text) || NotANumber.IsMatch(text);
}
