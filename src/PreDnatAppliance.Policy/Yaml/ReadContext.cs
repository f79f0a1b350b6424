using PreDnatAppliance.Policy.Diagnostics;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>
/// Where a value sits in Go terms, for messages in Go's own wording: the innermost Go struct and the
/// JSON path from the resource root without list indices (what encoding/json's UnmarshalTypeError prints).
/// </summary>
internal readonly struct FieldPath
{
    public FieldPath(string goStruct, string path)
    {
        GoStruct = goStruct;
        Path = path;
    }

    public static FieldPath Root => new(string.Empty, string.Empty);

    public string GoStruct { get; }
    public string Path { get; }

    public FieldPath Child(string goStruct, string field) => new(goStruct, Path.Length == 0 ? field : Path + "." + field);

    public string Describe(string goType) =>
        GoStruct.Length == 0 ? $"Go value of type {goType}" : $"Go struct field {GoStruct}.{Path} of type {goType}";
}

/// <summary>The file being read and the diagnostics found in it, with the messages the readers share.</summary>
internal sealed class ReadContext
{
    private readonly DiagnosticBag _diagnostics;

    public ReadContext(string file, DiagnosticBag diagnostics)
    {
        File = file;
        _diagnostics = diagnostics;
    }

    public string File { get; }

    public SourceLocation At(YamlValue node) => new(File, node.Line, node.Column);
    public SourceLocation At(int line, int column) => new(File, line, column);

    public void Report(DiagnosticDescriptor descriptor, SourceLocation location, string message) =>
        _diagnostics.Add(descriptor, location, message);

    public void Report(DiagnosticDescriptor descriptor, YamlValue node, string message) => Report(descriptor, At(node), message);

    public void UnknownField(YamlValue key, string name) =>
        Report(DiagnosticDescriptors.YamlUnknownField, key, $"json: unknown field \"{name}\"");

    public void TypeError(YamlValue value, FieldPath field, string goType) => TypeError(value, field, goType, value.JsonKind);

    /// <summary>A number that is the right JSON type but does not fit (fraction, or out of range): Go names the number.</summary>
    public void NumberError(YamlScalar value, FieldPath field, string goType) => TypeError(value, field, goType, "number " + value.Text);

    private void TypeError(YamlValue value, FieldPath field, string goType, string jsonKind) =>
        Report(DiagnosticDescriptors.YamlWrongValueType, value, $"json: cannot unmarshal {jsonKind} into {field.Describe(goType)}");

    /// <summary>A key's text, or null (reported) when the key is not a scalar, which JSON cannot represent.</summary>
    public string? KeyName(YamlValue key)
    {
        if (key is YamlScalar scalar)
        {
            return scalar.IsNull ? "null" : scalar.Text;
        }
        Report(DiagnosticDescriptors.YamlWrongValueType, key, $"json: unsupported mapping key of type {key.JsonKind}");
        return null;
    }

    /// <summary>Records a key; false (reported) when the mapping already had it.</summary>
    public bool FirstOccurrence(Dictionary<string, YamlValue> seen, string name, YamlValue key)
    {
        if (seen.TryGetValue(name, out var first))
        {
            Report(DiagnosticDescriptors.YamlDuplicateKey, key, $"mapping key \"{name}\" already defined at line {first.Line}");
            return false;
        }
        seen.Add(name, key);
        return true;
    }
}
