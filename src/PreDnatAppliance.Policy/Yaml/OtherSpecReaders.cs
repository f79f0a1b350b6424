using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>ProfileSpec, TierSpec, GlobalNetworkSetSpec and NetworkSetSpec: the small specs.</summary>
internal static class OtherSpecReaders
{
    public static readonly FieldTable<Profile> ProfileFields = new FieldTable<Profile>("ProfileSpec")
        .Field("ingress", (c, v, p, f) => p.Ingress = RuleReader.ReadRules(c, v, f) ?? p.Ingress)
        .Field("egress", (c, v, p, f) => p.Egress = RuleReader.ReadRules(c, v, f) ?? p.Egress)
        .Field("labelsToApply", (c, v, p, f) => p.LabelsToApply = Values.StringMap(c, v, f) ?? p.LabelsToApply);

    public static readonly FieldTable<Tier> TierFields = new FieldTable<Tier>("TierSpec")
        .Field("order", (c, v, t, f) => t.Order = Values.Float(c, v, f))
        .Field("defaultAction", (c, v, t, f) => t.DefaultAction = Values.String(c, v, f, "v3.Action"));

    // allowedEgressDomains exists only in Calico Enterprise's NetworkSet types; it is accepted because the
    // model carries it, so that Enterprise manifests load.
    public static readonly FieldTable<NetworkSet> GlobalNetworkSetFields = new FieldTable<NetworkSet>("GlobalNetworkSetSpec")
        .Field("nets", (c, v, n, f) => n.Nets = Values.StringList(c, v, f) ?? n.Nets)
        .Field("allowedEgressDomains", (c, v, n, f) => n.AllowedEgressDomains = Values.StringList(c, v, f) ?? n.AllowedEgressDomains);

    public static readonly FieldTable<NetworkSet> NetworkSetFields = new FieldTable<NetworkSet>("NetworkSetSpec", GlobalNetworkSetFields);

    public static void ReadProfile(ReadContext context, YamlValue spec, Profile profile, FieldPath field) =>
        ProfileFields.Read(context, spec, profile, field, "v3.ProfileSpec", NodeBinding.FieldsOnly);

    public static void ReadTier(ReadContext context, YamlValue spec, Tier tier, FieldPath field) =>
        TierFields.Read(context, spec, tier, field, "v3.TierSpec", NodeBinding.FieldsOnly);

    public static void ReadNetworkSet(ReadContext context, YamlValue spec, NetworkSet set, FieldPath field)
    {
        var (table, goType) = set.IsGlobal
            ? (GlobalNetworkSetFields, "v3.GlobalNetworkSetSpec")
            : (NetworkSetFields, "v3.NetworkSetSpec");
        table.Read(context, spec, set, field, goType, NodeBinding.FieldsOnly);
    }
}
