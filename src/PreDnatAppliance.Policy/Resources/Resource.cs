using PreDnatAppliance.Policy.Diagnostics;

namespace PreDnatAppliance.Policy.Resources;

/// <summary>Kubernetes-style object metadata, as calicoctl prints it.</summary>
public sealed class ObjectMeta : ModelNode
{
    public string Name { get; set; } = string.Empty;

    /// <summary>Null for cluster-scoped kinds.</summary>
    public string? Namespace { get; set; }

    public Dictionary<string, string> Labels { get; set; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> Annotations { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A Calico v3 object read from one YAML document (or one item of a List).</summary>
public abstract class Resource : ModelNode
{
    public abstract ResourceKind Kind { get; }
    public string ApiVersion { get; set; } = ResourceKinds.ApiVersion;
    public ObjectMeta Metadata { get; set; } = new();

    /// <summary>Where the resource's <c>spec</c> mapping starts (or the document when it has none).</summary>
    public SourceLocation SpecLocation { get; set; }

    public string Name => Metadata.Name;
    public string? Namespace => Metadata.Namespace;

    /// <summary><c>Kind/name</c> or <c>Kind/namespace/name</c>: the identity used for duplicates and messages.</summary>
    public string QualifiedName => Namespace is null ? $"{Kind}/{Name}" : $"{Kind}/{Namespace}/{Name}";
}
