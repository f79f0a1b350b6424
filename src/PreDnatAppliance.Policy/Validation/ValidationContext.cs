using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>Where findings go, and how to point at a field that may not have been written.</summary>
internal sealed class ValidationContext
{
    private readonly HashSet<SourceLocation> _loaderErrors;

    public ValidationContext(PolicySet set)
    {
        Set = set;
        _loaderErrors = new HashSet<SourceLocation>(
            set.Diagnostics.Items.Where(d => d.Severity == DiagnosticSeverity.Error && d.Location.IsKnown).Select(d => d.Location));
    }

    public PolicySet Set { get; }

    /// <summary>
    /// Adds a finding, unless the loader already reported an error at that exact value: a field it could not
    /// read keeps its default, and judging that default would report one mistake twice.
    /// </summary>
    public void Report(DiagnosticDescriptor descriptor, SourceLocation location, string message)
    {
        if (!_loaderErrors.Contains(location))
            Set.Diagnostics.Add(descriptor, location, message);
    }

    /// <summary>A spec field's value, or the spec itself when the field was not written (e.g. a missing required field).</summary>
    public static SourceLocation SpecField(Resource resource, string field) =>
        resource.Has(field) ? resource.LocationOf(field) : Spec(resource);

    public static SourceLocation Spec(Resource resource) =>
        resource.SpecLocation.IsKnown ? resource.SpecLocation : resource.Location;

    /// <summary>A field of a nested mapping, or the mapping when the field was not written.</summary>
    public static SourceLocation Field(ModelNode node, string field) => node.LocationOf(field);

    public static SourceLocation Name(Resource resource) =>
        resource.Metadata.Has("name") ? resource.Metadata.LocationOf("name")
        : resource.Metadata.Location.IsKnown ? resource.Metadata.Location
        : resource.Location;
}
