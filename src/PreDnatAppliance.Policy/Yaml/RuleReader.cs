using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>Calico's v3 Rule and everything nested in it (policy_common.go).</summary>
internal static class RuleReader
{
    private const string PortListType = "[]numorstring.Port";
    private const string PortType = "numorstring.Port";
    private const string ProtocolType = "numorstring.Protocol";

    private static readonly FieldTable<IcmpFields> IcmpTable = new FieldTable<IcmpFields>("ICMPFields")
        .Field("type", (c, v, i, f) => i.Type = Values.GoInt(c, v, f))
        .Field("code", (c, v, i, f) => i.Code = Values.GoInt(c, v, f));

    private static readonly FieldTable<ServiceAccountMatch> ServiceAccountTable = new FieldTable<ServiceAccountMatch>("ServiceAccountMatch")
        .Field("names", (c, v, s, f) => s.Names = Values.StringList(c, v, f) ?? s.Names)
        .Field("selector", (c, v, s, f) => s.Selector = Values.String(c, v, f) ?? s.Selector);

    private static readonly FieldTable<ServiceMatch> ServiceTable = new FieldTable<ServiceMatch>("ServiceMatch")
        .Field("name", (c, v, s, f) => s.Name = Values.String(c, v, f) ?? s.Name)
        .Field("namespace", (c, v, s, f) => s.Namespace = Values.String(c, v, f) ?? s.Namespace);

    private static readonly FieldTable<EntityRule> EntityTable = new FieldTable<EntityRule>("EntityRule")
        .Field("nets", (c, v, e, f) => e.Nets = Values.StringList(c, v, f) ?? e.Nets)
        .Field("notNets", (c, v, e, f) => e.NotNets = Values.StringList(c, v, f) ?? e.NotNets)
        .Field("selector", (c, v, e, f) => e.Selector = Values.String(c, v, f))
        .Field("notSelector", (c, v, e, f) => e.NotSelector = Values.String(c, v, f))
        .Field("namespaceSelector", (c, v, e, f) => e.NamespaceSelector = Values.String(c, v, f))
        .Field("serviceAccounts", (c, v, e, f) => e.ServiceAccounts = Values.Object(c, v, f, ServiceAccountTable, "v3.ServiceAccountMatch"))
        .Field("services", (c, v, e, f) => e.Services = Values.Object(c, v, f, ServiceTable, "v3.ServiceMatch"))
        .Field("ports", (c, v, e, f) => e.Ports = Values.NumOrStringList(c, v, f, PortListType, PortType) ?? e.Ports)
        .Field("notPorts", (c, v, e, f) => e.NotPorts = Values.NumOrStringList(c, v, f, PortListType, PortType) ?? e.NotPorts);

    private static readonly FieldTable<Discarded> HttpPathTable = new FieldTable<Discarded>("HTTPPath")
        .Field("exact", (c, v, _, f) => Values.String(c, v, f))
        .Field("prefix", (c, v, _, f) => Values.String(c, v, f));

    // The appliance does not enforce HTTP matches (only Calico's application layer does), but a typo in one
    // is still a typo, so the structure is checked before being reduced to HasHttpMatch.
    private static readonly FieldTable<Discarded> HttpTable = new FieldTable<Discarded>("HTTPMatch")
        .Field("methods", (c, v, _, f) => Values.StringList(c, v, f))
        .Field("paths", (c, v, _, f) => Values.List(c, v, f, "[]v3.HTTPPath",
            item => HttpPathTable.Read(c, item, Discarded.Instance, f, "v3.HTTPPath") ? Discarded.Instance : null));

    private static readonly FieldTable<Rule> RuleMetadataTable = new FieldTable<Rule>("RuleMetadata")
        .Field("annotations", (c, v, r, f) => r.Annotations = Values.StringMap(c, v, f) ?? r.Annotations);

    private static readonly FieldTable<Rule> RuleTable = new FieldTable<Rule>("Rule")
        .Field("action", (c, v, r, f) => r.Action = Values.String(c, v, f, "v3.Action") ?? r.Action)
        .Field("ipVersion", (c, v, r, f) => r.IpVersion = Values.GoInt(c, v, f))
        .Field("protocol", (c, v, r, f) => r.Protocol = Values.NumOrString(c, v, f, ProtocolType))
        .Field("notProtocol", (c, v, r, f) => r.NotProtocol = Values.NumOrString(c, v, f, ProtocolType))
        .Field("icmp", (c, v, r, f) => r.Icmp = Values.Object(c, v, f, IcmpTable, "v3.ICMPFields"))
        .Field("notICMP", (c, v, r, f) => r.NotIcmp = Values.Object(c, v, f, IcmpTable, "v3.ICMPFields"))
        .Field("source", (c, v, r, f) => r.Source = Values.Object(c, v, f, EntityTable, "v3.EntityRule") ?? r.Source)
        .Field("destination", (c, v, r, f) => r.Destination = Values.Object(c, v, f, EntityTable, "v3.EntityRule") ?? r.Destination)
        .Field("http", (c, v, r, f) => r.HasHttpMatch = HttpTable.Read(c, v, Discarded.Instance, f, "v3.HTTPMatch"))
        .Field("metadata", (c, v, r, f) => RuleMetadataTable.Read(c, v, r, f, "v3.RuleMetadata", NodeBinding.None));

    /// <summary>An ingress or egress list; null (reported) when it is not a list.</summary>
    public static List<Rule>? ReadRules(ReadContext context, YamlValue value, FieldPath field) =>
        Values.ObjectList(context, value, field, RuleTable, "[]v3.Rule", "v3.Rule");
}
