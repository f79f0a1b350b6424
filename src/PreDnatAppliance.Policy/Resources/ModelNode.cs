using PreDnatAppliance.Policy.Diagnostics;

namespace PreDnatAppliance.Policy.Resources;

/// <summary>
/// A mapping read from YAML: where it starts, and where each of its fields' values was written,
/// so that validation can point at the exact offending value.
/// </summary>
public abstract class ModelNode
{
    private Dictionary<string, SourceLocation>? _fieldLocations;

    public SourceLocation Location { get; set; }

    /// <summary>Field name (as spelled in YAML) to the location of its value.</summary>
    public IReadOnlyDictionary<string, SourceLocation> FieldLocations =>
        _fieldLocations ?? (IReadOnlyDictionary<string, SourceLocation>)EmptyLocations;

    /// <summary>The location of a field's value, or of this node when the field was not written.</summary>
    public SourceLocation LocationOf(string field) =>
        _fieldLocations != null && _fieldLocations.TryGetValue(field, out var location) ? location : Location;

    public bool Has(string field) => _fieldLocations?.ContainsKey(field) == true;

    public void SetFieldLocation(string field, SourceLocation location) =>
        (_fieldLocations ??= new Dictionary<string, SourceLocation>(StringComparer.Ordinal))[field] = location;

    private static readonly Dictionary<string, SourceLocation> EmptyLocations = new(StringComparer.Ordinal);
}
