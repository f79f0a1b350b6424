using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>
/// Typed readers for field values, mirroring what calicoctl's YAML-to-JSON-to-Go path accepts. Each returns
/// null after reporting a type error, so the caller keeps the field's default and reading carries on.
/// </summary>
internal static class Values
{
    /// <summary>
    /// A Go string. Numbers and booleans are accepted and become their text, because the YAML-to-JSON step
    /// converts scalars to strings for string-typed targets (so <c>name: 123</c> is the name "123").
    /// </summary>
    public static string? String(ReadContext context, YamlValue value, FieldPath field, string goType = "string")
    {
        if (value is YamlScalar scalar)
        {
            return scalar.IsNull ? null : ScalarText(scalar);
        }
        context.TypeError(value, field, goType);
        return null;
    }

    public static bool? Bool(ReadContext context, YamlValue value, FieldPath field)
    {
        if (value is YamlScalar { Kind: ScalarKind.Bool } scalar && ScalarResolver.TryParseBool(scalar.Text, out var result))
        {
            return result;
        }
        if (value is YamlScalar { IsNull: true })
        {
            return null;
        }
        context.TypeError(value, field, "bool");
        return null;
    }

    public static double? Float(ReadContext context, YamlValue value, FieldPath field)
    {
        if (value is YamlScalar { Kind: ScalarKind.Int or ScalarKind.Float } scalar)
        {
            if (ScalarResolver.TryParseFloat(scalar.Text, out var number) && !double.IsNaN(number) && !double.IsInfinity(number))
            {
                return number;
            }
            context.NumberError(scalar, field, "float64");
            return null;
        }
        if (value is YamlScalar { IsNull: true })
        {
            return null;
        }
        context.TypeError(value, field, "float64");
        return null;
    }

    /// <summary>A Go integer of type <paramref name="goType"/> (int, uint16, ...) limited to [min, max].</summary>
    public static int? Int(ReadContext context, YamlValue value, FieldPath field, string goType, long min, long max)
    {
        if (value is YamlScalar { Kind: ScalarKind.Int or ScalarKind.Float } scalar)
        {
            // Go's decoder takes 8.0 for an int (the JSON text is "8"), but not 8.5.
            if (ScalarResolver.TryParseFloat(scalar.Text, out var number) && number == Math.Floor(number)
                && number >= min && number <= max && number >= int.MinValue && number <= int.MaxValue)
            {
                return (int)number;
            }
            context.NumberError(scalar, field, goType);
            return null;
        }
        if (value is YamlScalar { IsNull: true })
        {
            return null;
        }
        context.TypeError(value, field, goType);
        return null;
    }

    public static int? GoInt(ReadContext context, YamlValue value, FieldPath field) =>
        Int(context, value, field, "int", int.MinValue, int.MaxValue);

    public static int? UInt16(ReadContext context, YamlValue value, FieldPath field) =>
        Int(context, value, field, "uint16", 0, ushort.MaxValue);

    /// <summary>
    /// Calico's numorstring types (Protocol, Port): an integer or a string, kept as text so that
    /// <c>6</c> and <c>"6"</c> read the same. Booleans and fractions are rejected, as their UnmarshalJSON does.
    /// </summary>
    public static Located<string>? NumOrString(ReadContext context, YamlValue value, FieldPath field, string goType)
    {
        if (value is YamlScalar { Kind: ScalarKind.String or ScalarKind.Int } scalar)
        {
            return new Located<string>(ScalarText(scalar), context.At(scalar));
        }
        if (value is YamlScalar { IsNull: true })
        {
            return null;
        }
        context.TypeError(value, field, goType);
        return null;
    }

    /// <summary>A list of Go strings, each with its own location.</summary>
    public static List<Located<string>>? StringList(ReadContext context, YamlValue value, FieldPath field,
        string goType = "[]string", string itemGoType = "string") =>
        ValueList(context, value, field, goType, item => LocatedString(context, item, field, itemGoType));

    private static Located<string>? LocatedString(ReadContext context, YamlValue item, FieldPath field, string goType)
    {
        // A null list item decodes to Go's empty string; keep it so that the validator can point at it.
        if (item is YamlScalar { IsNull: true })
        {
            return new Located<string>(string.Empty, context.At(item));
        }
        return String(context, item, field, goType) is { } text ? new Located<string>(text, context.At(item)) : null;
    }

    public static List<Located<string>>? NumOrStringList(ReadContext context, YamlValue value, FieldPath field, string goType, string itemGoType) =>
        ValueList(context, value, field, goType, item => NumOrString(context, item, field, itemGoType));

    /// <summary>A list whose items are read by <paramref name="readItem"/>; items it rejects (null) are left out.</summary>
    public static List<TItem>? List<TItem>(ReadContext context, YamlValue value, FieldPath field, string goType, Func<YamlValue, TItem?> readItem)
        where TItem : class
    {
        if (!IsList(context, value, field, goType, out var sequence))
        {
            return null;
        }
        var items = new List<TItem>(sequence.Items.Count);
        foreach (var item in sequence.Items)
        {
            if (readItem(item) is { } read)
            {
                items.Add(read);
            }
        }
        return items;
    }

    private static List<TItem>? ValueList<TItem>(ReadContext context, YamlValue value, FieldPath field, string goType, Func<YamlValue, TItem?> readItem)
        where TItem : struct
    {
        if (!IsList(context, value, field, goType, out var sequence))
        {
            return null;
        }
        var items = new List<TItem>(sequence.Items.Count);
        foreach (var item in sequence.Items)
        {
            if (readItem(item) is { } read)
            {
                items.Add(read);
            }
        }
        return items;
    }

    private static bool IsList(ReadContext context, YamlValue value, FieldPath field, string goType, [NotNullWhen(true)] out YamlSequence? sequence)
    {
        sequence = value as YamlSequence;
        if (sequence is null && value is not YamlScalar { IsNull: true })
        {
            context.TypeError(value, field, goType);
        }
        return sequence is not null;
    }

    /// <summary>A Go struct read by <paramref name="table"/> into a new object; a null item (in a list) gives an empty one.</summary>
    public static TNode? Object<TNode>(ReadContext context, YamlValue value, FieldPath field, FieldTable<TNode> table, string goType)
        where TNode : class, new()
    {
        var node = new TNode();
        if (value is YamlScalar { IsNull: true })
        {
            if (node is ModelNode model)
            {
                model.Location = context.At(value);
            }
            return node;
        }
        return table.Read(context, value, node, field, goType) ? node : null;
    }

    /// <summary>A list of Go structs, each read by <paramref name="table"/>.</summary>
    public static List<TNode>? ObjectList<TNode>(ReadContext context, YamlValue value, FieldPath field, FieldTable<TNode> table, string goType, string itemGoType)
        where TNode : class, new() =>
        List(context, value, field, goType, item => Object(context, item, field, table, itemGoType));

    /// <summary>A Go <c>map[string]string</c> (labels, annotations): scalar values become text, duplicates are errors.</summary>
    public static Dictionary<string, string>? StringMap(ReadContext context, YamlValue value, FieldPath field)
    {
        if (value is not YamlMapping mapping)
        {
            if (value is not YamlScalar { IsNull: true })
            {
                context.TypeError(value, field, "map[string]string");
            }
            return null;
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
        foreach (var entry in mapping.Entries)
        {
            var key = context.KeyName(entry.Key);
            if (key is null || !context.FirstOccurrence(seen, key, entry.Key))
            {
                continue;
            }
            if (entry.Value is YamlScalar { IsNull: true })
            {
                result[key] = string.Empty;
            }
            else if (String(context, entry.Value, field) is { } text)
            {
                result[key] = text;
            }
        }
        return result;
    }

    // What the YAML-to-JSON step would write for a scalar in a string-typed field.
    private static string ScalarText(YamlScalar scalar) => scalar.Kind switch
    {
        ScalarKind.Int when ScalarResolver.TryParseInteger(scalar.Text, out var integer) => integer.ToString(CultureInfo.InvariantCulture),
        ScalarKind.Bool when ScalarResolver.TryParseBool(scalar.Text, out var flag) => flag ? "true" : "false",
        _ => scalar.Text,
    };
}
