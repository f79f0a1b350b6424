namespace PreDnatAppliance.Policy.Diagnostics;

/// <summary>Diagnostics of the YAML loader (range PDA1001-PDA1099). IDs are stable; never reuse one for another meaning.</summary>
public static partial class DiagnosticDescriptors
{
    /// <summary>PDA1001: the text is not well-formed YAML (reported where YamlDotNet stopped), or an alias names no anchor.</summary>
    public static readonly DiagnosticDescriptor YamlSyntaxError = new("PDA1001", "YAML syntax error", DiagnosticSeverity.Error);

    /// <summary>PDA1002: a mapping key that the Calico Go type does not have (calicoctl's strict decoding rejects it).</summary>
    public static readonly DiagnosticDescriptor YamlUnknownField = new("PDA1002", "Unknown field", DiagnosticSeverity.Error);

    /// <summary>PDA1003: a value of the wrong YAML type for its field (string where a number is needed, list where a mapping is, ...).</summary>
    public static readonly DiagnosticDescriptor YamlWrongValueType = new("PDA1003", "Wrong value type", DiagnosticSeverity.Error);

    /// <summary>PDA1004: a document (or List item) without apiVersion or kind.</summary>
    public static readonly DiagnosticDescriptor YamlMissingApiVersionOrKind = new("PDA1004", "Missing apiVersion or kind", DiagnosticSeverity.Error);

    /// <summary>PDA1005: apiVersion is not projectcalico.org/v3.</summary>
    public static readonly DiagnosticDescriptor YamlUnsupportedApiVersion = new("PDA1005", "Unsupported apiVersion", DiagnosticSeverity.Error);

    /// <summary>PDA1006: a kind the appliance does not read (the message lists the supported kinds).</summary>
    public static readonly DiagnosticDescriptor YamlUnsupportedKind = new("PDA1006", "Unsupported kind", DiagnosticSeverity.Error);

    /// <summary>PDA1007: the same key twice in one mapping.</summary>
    public static readonly DiagnosticDescriptor YamlDuplicateKey = new("PDA1007", "Duplicate key", DiagnosticSeverity.Error);

    /// <summary>PDA1008: a required field is missing (metadata.name); the resource is skipped.</summary>
    public static readonly DiagnosticDescriptor YamlMissingRequiredField = new("PDA1008", "Missing required field", DiagnosticSeverity.Error);

    /// <summary>PDA1009: the policy directory does not exist, or a directory or file in it cannot be read.</summary>
    public static readonly DiagnosticDescriptor YamlPathUnreadable = new("PDA1009", "Policy directory or file unreadable", DiagnosticSeverity.Error);

    /// <summary>PDA1010: metadata.namespace written on a cluster-scoped kind.</summary>
    public static readonly DiagnosticDescriptor YamlNamespaceOnClusterScoped = new("PDA1010", "Namespace on cluster-scoped resource", DiagnosticSeverity.Error);

    /// <summary>PDA1011: an item of a typed list (for example GlobalNetworkPolicyList) declares a different kind.</summary>
    public static readonly DiagnosticDescriptor YamlListItemKindMismatch = new("PDA1011", "List item kind mismatch", DiagnosticSeverity.Error);

    /// <summary>PDA1012: a field name matched only case-insensitively; Go's JSON decoding (and so calicoctl) accepts it.</summary>
    public static readonly DiagnosticDescriptor YamlFieldNameCase = new("PDA1012", "Field name differs in case", DiagnosticSeverity.Warning);

    /// <summary>PDA1099: the loader itself failed on this input; a bug to report, turned into a diagnostic so the build does not crash.</summary>
    public static readonly DiagnosticDescriptor YamlInternalError = new("PDA1099", "Internal error while reading YAML", DiagnosticSeverity.Error);
}
