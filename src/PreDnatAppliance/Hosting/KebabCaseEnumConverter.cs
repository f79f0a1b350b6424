using System.ComponentModel;
using System.Globalization;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// Lets the configuration binder read enum values the way the appliance file writes them (<c>host-endpoint</c>), as
/// well as the member names (<c>HostEndpoint</c>); anything else is an error naming the allowed values.
/// </summary>
public sealed class KebabCaseEnumConverter<TEnum> : EnumConverter where TEnum : struct, Enum
{
    public KebabCaseEnumConverter() : base(typeof(TEnum)) { }

    public override object? ConvertFrom(ITypeDescriptorContext? context, CultureInfo? culture, object value)
    {
        if (value is string text && Enum.TryParse<TEnum>(text.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var parsed) && !text.All(char.IsAsciiDigit))
            return parsed;
        if (value is string other)
            throw new FormatException($"'{other}' is not one of {string.Join(", ", Enum.GetNames<TEnum>().Select(Kebab))}");
        return base.ConvertFrom(context, culture, value);
    }

    private static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));

    /// <summary>Registers the converter for the binder (TypeDescriptor is what ConfigurationBinder asks).</summary>
    public static void Register() =>
        TypeDescriptor.AddAttributes(typeof(TEnum), new TypeConverterAttribute(typeof(KebabCaseEnumConverter<TEnum>)));
}
