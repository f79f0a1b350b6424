namespace PreDnatAppliance.Policy.Yaml;

/// <summary>How a scalar resolves under YAML 1.2's core schema (what JSON type it would become).</summary>
internal enum ScalarKind
{
    Null,
    Bool,
    Int,
    Float,
    String,
}

/// <summary>
/// A YAML node with its 1-based position. The loader builds its own small tree instead of using
/// YamlDotNet's representation model because that model throws on the first duplicate key, and
/// duplicates must be reported like any other error while reading carries on.
/// </summary>
internal abstract class YamlValue
{
    protected YamlValue(int line, int column)
    {
        Line = line;
        Column = column;
    }

    public int Line { get; }
    public int Column { get; }

    /// <summary>The JSON type name Go's decoder would report: object, array, string, number, bool or null.</summary>
    public abstract string JsonKind { get; }
}

internal sealed class YamlScalar : YamlValue
{
    public YamlScalar(string text, ScalarKind kind, int line, int column)
        : base(line, column)
    {
        Text = text;
        Kind = kind;
    }

    public string Text { get; }
    public ScalarKind Kind { get; }
    public bool IsNull => Kind == ScalarKind.Null;

    public override string JsonKind => Kind switch
    {
        ScalarKind.Null => "null",
        ScalarKind.Bool => "bool",
        ScalarKind.Int or ScalarKind.Float => "number",
        _ => "string",
    };
}

internal sealed class YamlSequence : YamlValue
{
    public YamlSequence(int line, int column)
        : base(line, column)
    {
    }

    public List<YamlValue> Items { get; } = new();
    public override string JsonKind => "array";
}

internal readonly struct YamlEntry
{
    public YamlEntry(YamlValue key, YamlValue value)
    {
        Key = key;
        Value = value;
    }

    public YamlValue Key { get; }
    public YamlValue Value { get; }
}

internal sealed class YamlMapping : YamlValue
{
    public YamlMapping(int line, int column)
        : base(line, column)
    {
    }

    /// <summary>In written order, duplicates included.</summary>
    public List<YamlEntry> Entries { get; } = new();
    public override string JsonKind => "object";

    /// <summary>The first entry whose key is <paramref name="name"/>, exactly or else ignoring case (as Go's JSON decoding matches).</summary>
    public YamlEntry? Find(string name)
    {
        YamlEntry? folded = null;
        foreach (var entry in Entries)
        {
            if (entry.Key is not YamlScalar key)
            {
                continue;
            }
            if (string.Equals(key.Text, name, StringComparison.Ordinal))
            {
                return entry;
            }
            if (folded is null && string.Equals(key.Text, name, StringComparison.OrdinalIgnoreCase))
            {
                folded = entry;
            }
        }
        return folded;
    }
}

/// <summary>One <c>---</c> document; <see cref="Root"/> is null when the document is empty.</summary>
internal sealed class YamlDocument
{
    public YamlDocument(YamlValue? root, int line, int column)
    {
        Root = root;
        Line = line;
        Column = column;
    }

    public YamlValue? Root { get; }
    public int Line { get; }
    public int Column { get; }

    public bool IsEmpty => Root is null || Root is YamlScalar { IsNull: true };
}
