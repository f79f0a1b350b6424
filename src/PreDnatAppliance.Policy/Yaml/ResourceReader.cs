using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>
/// Reads one YAML document: decides from apiVersion and kind what it is (a resource, a List, or an error),
/// then reads the top level of each resource and hands its spec to the kind's reader.
/// A resource with field errors is still added (the broken field keeps its default) so later stages can
/// report more at once; the set has errors, so nothing is generated from it. A resource whose identity is
/// unknown (bad apiVersion, kind or missing name) is skipped.
/// </summary>
internal static class ResourceReader
{
    // kubectl prints an untyped list as "apiVersion: v1, kind: List"; calicoctl uses projectcalico.org/v3.
    private const string KubernetesListApiVersion = "v1";

    private static readonly FieldPath ApiVersionField = new("TypeMeta", "apiVersion");
    private static readonly FieldPath KindField = new("TypeMeta", "kind");

    private static readonly FieldTable<Resource> TopLevelFields = new FieldTable<Resource>("Resource")
        .Field("apiVersion", (c, v, r, f) => r.ApiVersion = Values.String(c, v, f) ?? r.ApiVersion)
        .Field("kind", (_, _, _, _) => { })
        .Field("metadata", (c, v, r, f) => ObjectMetaReader.Fields.Read(c, v, r.Metadata, f, ObjectMetaReader.GoType))
        .Field("spec", (c, v, r, f) =>
        {
            r.SpecLocation = c.At(v);
            KindRegistry.For(r.Kind).ReadSpec(c, v, r, f);
        })
        .Ignore("status");

    private static readonly FieldTable<ListState> ListFields = new FieldTable<ListState>("List")
        .Field("apiVersion", (_, _, _, _) => { })
        .Field("kind", (_, _, _, _) => { })
        .Field("metadata", (c, v, _, f) => ObjectMetaReader.ListFields.Read(c, v, Discarded.Instance, f, "v1.ListMeta"))
        .Field("items", (c, v, l, f) =>
        {
            if (v is YamlSequence items)
            {
                l.Items = items;
            }
            else
            {
                c.TypeError(v, f, l.ItemsGoType);
            }
        });

    public static void ReadDocument(ReadContext context, YamlDocument document, PolicySet set)
    {
        if (!document.IsEmpty)
        {
            Read(context, document.Root!, set, listItemKind: null, inList: false);
        }
    }

    private static void Read(ReadContext context, YamlValue node, PolicySet set, KindInfo? listItemKind, bool inList)
    {
        if (node is not YamlMapping mapping)
        {
            context.Report(DiagnosticDescriptors.YamlWrongValueType, node,
                $"json: cannot unmarshal {node.JsonKind} into a Calico resource: expected a mapping with apiVersion, kind, metadata and spec");
            return;
        }
        var apiVersionEntry = mapping.Find("apiVersion");
        var kindEntry = mapping.Find("kind");
        var apiVersion = TypeMetaValue(context, apiVersionEntry, ApiVersionField, out var typeMetaBroken);
        var kind = TypeMetaValue(context, kindEntry, KindField, out var kindBroken);
        if (typeMetaBroken || kindBroken)
        {
            return;
        }
        if (listItemKind is not null)
        {
            // Items of a typed list may leave out what the list already says.
            apiVersion ??= ResourceKinds.ApiVersion;
            kind ??= listItemKind.Name;
        }
        if (apiVersion is null || kind is null)
        {
            var missing = apiVersion is null && kind is null ? "apiVersion and kind are" : apiVersion is null ? "apiVersion is" : "kind is";
            context.Report(DiagnosticDescriptors.YamlMissingApiVersionOrKind, mapping,
                $"{missing} missing: every Calico resource needs apiVersion: {ResourceKinds.ApiVersion} and a kind");
            return;
        }
        var isList = KindRegistry.IsList(kind, out var itemKind);
        if (isList && !inList)
        {
            ReadList(context, mapping, set, apiVersion, apiVersionEntry, itemKind);
            return;
        }
        if (!string.Equals(apiVersion, ResourceKinds.ApiVersion, StringComparison.Ordinal))
        {
            UnsupportedApiVersion(context, apiVersionEntry, mapping, apiVersion);
            return;
        }
        if (isList || !KindRegistry.TryGet(kind, out var info))
        {
            var why = isList ? "a List item cannot itself be a List" : $"supported kinds are {KindRegistry.SupportedKinds}, or a List of them";
            context.Report(DiagnosticDescriptors.YamlUnsupportedKind, kindEntry?.Value ?? mapping, $"kind \"{kind}\" is not supported: {why}");
            return;
        }
        if (listItemKind is not null && !ReferenceEquals(info, listItemKind))
        {
            context.Report(DiagnosticDescriptors.YamlListItemKindMismatch, kindEntry?.Value ?? mapping,
                $"an item of a {listItemKind.Name}List must be a {listItemKind.Name}, not a {kind}");
            return;
        }
        ReadResource(context, mapping, info, set);
    }

    private static void ReadList(ReadContext context, YamlMapping mapping, PolicySet set, string apiVersion, YamlEntry? apiVersionEntry, KindInfo? itemKind)
    {
        var supported = string.Equals(apiVersion, ResourceKinds.ApiVersion, StringComparison.Ordinal)
            || (itemKind is null && string.Equals(apiVersion, KubernetesListApiVersion, StringComparison.Ordinal));
        if (!supported)
        {
            UnsupportedApiVersion(context, apiVersionEntry, mapping, apiVersion);
            return;
        }
        var listName = itemKind is null ? KindRegistry.ListKind : itemKind.Name + "List";
        var state = new ListState(itemKind is null ? "[]runtime.RawExtension" : $"[]v3.{itemKind.Name}");
        ListFields.Read(context, mapping, state, FieldPath.Root, "v1." + listName, NodeBinding.None, goStruct: listName);
        foreach (var item in state.Items?.Items ?? Enumerable.Empty<YamlValue>())
        {
            Read(context, item, set, itemKind, inList: true);
        }
    }

    private static void ReadResource(ReadContext context, YamlMapping mapping, KindInfo info, PolicySet set)
    {
        var resource = info.Create();
        resource.SpecLocation = context.At(mapping);
        TopLevelFields.Read(context, mapping, resource, FieldPath.Root, "v3." + info.Name, NodeBinding.Own, goStruct: info.Name);
        if (string.IsNullOrEmpty(resource.Metadata.Name))
        {
            context.Report(DiagnosticDescriptors.YamlMissingRequiredField, resource.LocationOf("metadata"),
                $"metadata.name is required; this {info.Name} is skipped");
            return;
        }
        ResolveNamespace(context, resource);
        set.Add(resource);
    }

    private static void ResolveNamespace(ReadContext context, Resource resource)
    {
        var metadata = resource.Metadata;
        if (ResourceKinds.IsNamespaced(resource.Kind))
        {
            // calicoctl fills in the default namespace the same way when none is written.
            if (string.IsNullOrEmpty(metadata.Namespace))
            {
                metadata.Namespace = "default";
            }
            return;
        }
        if (!string.IsNullOrEmpty(metadata.Namespace))
        {
            context.Report(DiagnosticDescriptors.YamlNamespaceOnClusterScoped, metadata.LocationOf("namespace"),
                $"{resource.Kind} is cluster-scoped: remove metadata.namespace \"{metadata.Namespace}\"");
        }
        metadata.Namespace = null;
    }

    private static void UnsupportedApiVersion(ReadContext context, YamlEntry? entry, YamlMapping mapping, string apiVersion) =>
        context.Report(DiagnosticDescriptors.YamlUnsupportedApiVersion, entry?.Value ?? mapping,
            $"apiVersion \"{apiVersion}\" is not supported: Calico resources use {ResourceKinds.ApiVersion}");

    /// <summary>The text of apiVersion or kind; null when absent; <paramref name="broken"/> when not a scalar (reported).</summary>
    private static string? TypeMetaValue(ReadContext context, YamlEntry? entry, FieldPath field, out bool broken)
    {
        broken = false;
        if (entry is not { } found || found.Value is YamlScalar { IsNull: true })
        {
            return null;
        }
        var text = Values.String(context, found.Value, field);
        broken = text is null;
        return text?.Length == 0 ? null : text;
    }

    private sealed class ListState
    {
        public ListState(string itemsGoType) => ItemsGoType = itemsGoType;

        public string ItemsGoType { get; }
        public YamlSequence? Items { get; set; }
    }
}
