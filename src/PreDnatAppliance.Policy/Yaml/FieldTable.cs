using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>Reads one field's (non-null) value into <paramref name="target"/>.</summary>
internal delegate void FieldHandler<in T>(ReadContext context, YamlValue value, T target, FieldPath field);

/// <summary>What a mapping read by a <see cref="FieldTable{T}"/> records on a <see cref="ModelNode"/> target.</summary>
internal enum NodeBinding
{
    /// <summary>The mapping is the node: set its Location and its field locations.</summary>
    Own,

    /// <summary>The mapping's fields live on the node but the mapping is not its start (a resource's spec).</summary>
    FieldsOnly,

    /// <summary>Record nothing (a sub-mapping folded into its parent, such as a rule's metadata).</summary>
    None,
}

/// <summary>
/// The known fields of one Go struct and how to read each: the single place that enforces strict decoding
/// (unknown and duplicate keys) and records where every field was written.
/// </summary>
internal sealed class FieldTable<T>
    where T : class
{
    private readonly Dictionary<string, FieldHandler<T>?> _fields;
    private readonly Dictionary<string, string> _canonicalNames;

    public FieldTable(string goStruct)
    {
        GoStruct = goStruct;
        _fields = new Dictionary<string, FieldHandler<T>?>(StringComparer.Ordinal);
        _canonicalNames = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>A table for a Go struct that has every field of <paramref name="basedOn"/> and more.</summary>
    public FieldTable(string goStruct, FieldTable<T> basedOn)
    {
        GoStruct = goStruct;
        _fields = new Dictionary<string, FieldHandler<T>?>(basedOn._fields, StringComparer.Ordinal);
        _canonicalNames = new Dictionary<string, string>(basedOn._canonicalNames, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The Go struct name used in type-error messages, e.g. <c>GlobalNetworkPolicySpec</c>.</summary>
    public string GoStruct { get; }

    public FieldTable<T> Field(string name, FieldHandler<T> handler)
    {
        _fields[name] = handler;
        _canonicalNames[name] = name;
        return this;
    }

    /// <summary>Fields that exist in the Go type but that the appliance does not use: accepted, not inspected.</summary>
    public FieldTable<T> Ignore(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (!_fields.ContainsKey(name))
            {
                _fields[name] = null;
                _canonicalNames[name] = name;
            }
        }
        return this;
    }

    public FieldTable<T> Ignore(params string[] names) => Ignore((IEnumerable<string>)names);

    public bool Knows(string name) => _fields.ContainsKey(name);

    /// <summary>
    /// Reads <paramref name="node"/> into <paramref name="target"/>; false (reported) when it is not a mapping.
    /// <paramref name="field"/> is where the mapping itself sits, <paramref name="goType"/> its Go type for messages.
    /// </summary>
    public bool Read(ReadContext context, YamlValue node, T target, FieldPath field, string goType,
        NodeBinding binding = NodeBinding.Own, string? goStruct = null)
    {
        if (node is not YamlMapping mapping)
        {
            context.TypeError(node, field, goType);
            return false;
        }
        var model = binding == NodeBinding.None ? null : target as ModelNode;
        if (binding == NodeBinding.Own && model is not null)
        {
            model.Location = context.At(node);
        }
        var seen = new Dictionary<string, YamlValue>(StringComparer.Ordinal);
        foreach (var entry in mapping.Entries)
        {
            var written = context.KeyName(entry.Key);
            if (written is null)
            {
                continue;
            }
            var name = Canonical(context, entry.Key, written);
            if (name is null)
            {
                context.UnknownField(entry.Key, written);
                continue;
            }
            if (!context.FirstOccurrence(seen, name, entry.Key))
            {
                continue;
            }
            // JSON null leaves a Go field at its zero value; treat it as not written.
            if (entry.Value is YamlScalar { IsNull: true })
            {
                continue;
            }
            model?.SetFieldLocation(name, context.At(entry.Value));
            _fields[name]?.Invoke(context, entry.Value, target, field.Child(goStruct ?? GoStruct, name));
        }
        return true;
    }

    // Go's encoding/json prefers an exact match but accepts a case-insensitive one, so calicoctl does too.
    private string? Canonical(ReadContext context, YamlValue key, string written)
    {
        if (_fields.ContainsKey(written))
        {
            return written;
        }
        if (!_canonicalNames.TryGetValue(written, out var canonical))
        {
            return null;
        }
        context.Report(DiagnosticDescriptors.YamlFieldNameCase, key,
            $"field \"{written}\" is taken as \"{canonical}\" only because Go ignores case; write \"{canonical}\"");
        return canonical;
    }
}
