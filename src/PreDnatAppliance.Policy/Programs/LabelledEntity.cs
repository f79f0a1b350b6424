using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Programs;

/// <summary>
/// Anything a rule selector can match: a host endpoint, a workload endpoint or a (global) network set,
/// with the labels Calico would see on it and the addresses it contributes to IP sets.
/// </summary>
public sealed class LabelledEntity
{
    public required Resource Resource { get; init; }

    /// <summary>Own labels over inherited profile labels, plus Calico's built-in projectcalico.org/* labels.</summary>
    public required IReadOnlyDictionary<string, string> Labels { get; init; }

    /// <summary>Labels of the entity's namespace (the pcns.* labels with the prefix removed, plus projectcalico.org/namespace); empty when not namespaced.</summary>
    public required IReadOnlyDictionary<string, string> NamespaceLabels { get; init; }

    /// <summary>Labels of the workload's service account (pcsa.* with the prefix removed).</summary>
    public required IReadOnlyDictionary<string, string> ServiceAccountLabels { get; init; }

    public required IReadOnlyList<Cidr> Addresses { get; init; }

    public IReadOnlyList<(string Name, byte Protocol, ushort Port)> NamedPorts { get; init; } = Array.Empty<(string, byte, ushort)>();

    public string? Namespace => Resource.Namespace;
    public string? ServiceAccount { get; init; }
}

/// <summary>The label names Calico adds to endpoints itself.</summary>
public static class BuiltInLabels
{
    public const string Namespace = "projectcalico.org/namespace";
    public const string Orchestrator = "projectcalico.org/orchestrator";
    public const string ServiceAccount = "projectcalico.org/serviceaccount";
    public const string NamespaceLabelPrefix = "pcns.";
    public const string ServiceAccountLabelPrefix = "pcsa.";
    public const string NamespaceProfilePrefix = "kns.";
    public const string ServiceAccountProfilePrefix = "ksa.";
}
