using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>Kubernetes ObjectMeta as calicoctl prints it: four fields are used, the server-set rest accepted.</summary>
internal static class ObjectMetaReader
{
    public const string GoType = "v1.ObjectMeta";

    public static readonly FieldTable<ObjectMeta> Fields = new FieldTable<ObjectMeta>("ObjectMeta")
        .Field("name", (c, v, m, f) => m.Name = Values.String(c, v, f) ?? m.Name)
        .Field("namespace", (c, v, m, f) => m.Namespace = Values.String(c, v, f))
        .Field("labels", (c, v, m, f) => m.Labels = Values.StringMap(c, v, f) ?? m.Labels)
        .Field("annotations", (c, v, m, f) => m.Annotations = Values.StringMap(c, v, f) ?? m.Annotations)
        .Ignore("generateName", "selfLink", "uid", "resourceVersion", "generation", "creationTimestamp",
            "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences", "finalizers", "managedFields");

    /// <summary>ListMeta of a <c>kind: List</c> or <c>&lt;Kind&gt;List</c>: nothing in it matters here.</summary>
    public static readonly FieldTable<Discarded> ListFields = new FieldTable<Discarded>("ListMeta")
        .Ignore("selfLink", "resourceVersion", "continue", "remainingItemCount");
}
