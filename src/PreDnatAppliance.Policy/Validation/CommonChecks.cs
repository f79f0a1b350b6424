using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>Checks every kind shares: metadata name, namespace, labels, and finite orders.</summary>
internal static class CommonChecks
{
    public static void Metadata(ValidationContext context, Resource resource)
    {
        var nameProblem = NameRules.CheckResourceName(resource.Kind, resource.Name);
        if (nameProblem is not null)
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, ValidationContext.Name(resource), nameProblem);

        if (ResourceKinds.IsNamespaced(resource.Kind) && !string.IsNullOrEmpty(resource.Namespace) && !NameRules.IsLabel(resource.Namespace))
        {
            var at = resource.Metadata.Has("namespace") ? resource.Metadata.LocationOf("namespace") : ValidationContext.Name(resource);
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, at,
                "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character " +
                "(e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')");
        }

        Labels(context, resource.Metadata.Labels, resource.Metadata.LocationOf("labels"));
    }

    /// <summary>Label keys and values follow Kubernetes' rules; selectors can only match well-formed labels.</summary>
    public static void Labels(ValidationContext context, IReadOnlyDictionary<string, string> labels, SourceLocation at)
    {
        foreach (var pair in labels.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            foreach (var problem in NameRules.LabelKeyProblems(pair.Key))
                context.Report(DiagnosticDescriptors.LabelInvalid, at, $"invalid label key '{pair.Key}': {problem}");
            foreach (var problem in NameRules.LabelValueProblems(pair.Value ?? string.Empty))
                context.Report(DiagnosticDescriptors.LabelInvalid, at, $"invalid value '{pair.Value}' for label '{pair.Key}': {problem}");
        }
    }

    /// <summary>Policy and tier orders sort numerically; NaN and infinities cannot be sent to Calico as JSON.</summary>
    public static void Order(ValidationContext context, double? order, SourceLocation at)
    {
        if (order is { } value && (double.IsNaN(value) || double.IsInfinity(value)))
            context.Report(DiagnosticDescriptors.OrderNotFinite, at, $"order must be a finite number, not {Messages.Number(value)}");
    }
}
