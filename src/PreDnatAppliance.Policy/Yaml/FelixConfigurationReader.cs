using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>FelixConfigurationSpec: the failsafe ports and node-port ranges are read, every other field accepted.</summary>
internal static class FelixConfigurationReader
{
    private static readonly FieldTable<ProtoPort> ProtoPortTable = new FieldTable<ProtoPort>("ProtoPort")
        .Field("protocol", (c, v, p, f) => p.Protocol = Values.String(c, v, f) ?? p.Protocol)
        .Field("port", (c, v, p, f) => p.Port = Values.UInt16(c, v, f) ?? p.Port)
        .Field("net", (c, v, p, f) => p.Net = Values.String(c, v, f));

    public static readonly FieldTable<FelixConfiguration> Fields = new FieldTable<FelixConfiguration>("FelixConfigurationSpec")
        .Field("failsafeInboundHostPorts", (c, v, x, f) => x.FailsafeInboundHostPorts = ReadProtoPorts(c, v, f))
        .Field("failsafeOutboundHostPorts", (c, v, x, f) => x.FailsafeOutboundHostPorts = ReadProtoPorts(c, v, f))
        .Field("kubeNodePortRanges", (c, v, x, f) =>
            x.KubeNodePortRanges = Values.NumOrStringList(c, v, f, "[]numorstring.Port", "numorstring.Port"))
        .Ignore(FelixConfigurationFieldNames.Ignored);

    public static void Read(ReadContext context, YamlValue spec, FelixConfiguration configuration, FieldPath field) =>
        Fields.Read(context, spec, configuration, field, "v3.FelixConfigurationSpec", NodeBinding.FieldsOnly);

    private static List<ProtoPort>? ReadProtoPorts(ReadContext context, YamlValue value, FieldPath field) =>
        Values.ObjectList(context, value, field, ProtoPortTable, "[]v3.ProtoPort", "v3.ProtoPort");
}
