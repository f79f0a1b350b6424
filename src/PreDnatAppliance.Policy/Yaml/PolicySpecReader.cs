using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>NetworkPolicySpec and GlobalNetworkPolicySpec (networkpolicy.go, globalnetworkpolicy.go).</summary>
internal static class PolicySpecReader
{
    // NetworkPolicySpec is a strict subset of GlobalNetworkPolicySpec: preDNAT, doNotTrack, applyOnForward
    // and namespaceSelector written in a NetworkPolicy are unknown fields, exactly as calicoctl reports them.
    public static readonly FieldTable<PolicyResource> NamespacedFields = new FieldTable<PolicyResource>("NetworkPolicySpec")
        .Field("tier", (c, v, p, f) => p.Tier = Values.String(c, v, f))
        .Field("order", (c, v, p, f) => p.Order = Values.Float(c, v, f))
        .Field("ingress", (c, v, p, f) => p.Ingress = RuleReader.ReadRules(c, v, f) ?? p.Ingress)
        .Field("egress", (c, v, p, f) => p.Egress = RuleReader.ReadRules(c, v, f) ?? p.Egress)
        .Field("selector", (c, v, p, f) => p.Selector = Values.String(c, v, f) ?? p.Selector)
        .Field("types", (c, v, p, f) => p.Types = Values.StringList(c, v, f, "[]v3.PolicyType", "v3.PolicyType"))
        .Field("serviceAccountSelector", (c, v, p, f) => p.ServiceAccountSelector = Values.String(c, v, f) ?? p.ServiceAccountSelector)
        .Field("performanceHints", (c, v, p, f) =>
            p.PerformanceHints = Values.StringList(c, v, f, "[]v3.PolicyPerformanceHint", "v3.PolicyPerformanceHint") ?? p.PerformanceHints);

    public static readonly FieldTable<PolicyResource> GlobalFields = new FieldTable<PolicyResource>("GlobalNetworkPolicySpec", NamespacedFields)
        .Field("doNotTrack", (c, v, p, f) => p.DoNotTrack = Values.Bool(c, v, f) ?? p.DoNotTrack)
        .Field("preDNAT", (c, v, p, f) => p.PreDnat = Values.Bool(c, v, f) ?? p.PreDnat)
        .Field("applyOnForward", (c, v, p, f) => p.ApplyOnForward = Values.Bool(c, v, f) ?? p.ApplyOnForward)
        .Field("namespaceSelector", (c, v, p, f) => p.NamespaceSelector = Values.String(c, v, f) ?? p.NamespaceSelector);

    public static void Read(ReadContext context, YamlValue spec, PolicyResource policy, FieldPath field)
    {
        var (table, goType) = policy.IsGlobal
            ? (GlobalFields, "v3.GlobalNetworkPolicySpec")
            : (NamespacedFields, "v3.NetworkPolicySpec");
        table.Read(context, spec, policy, field, goType, NodeBinding.FieldsOnly);
    }
}
