using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>HostEndpointSpec (hostendpoint.go) and WorkloadEndpointSpec (libcalico-go internalapi/workloadendpoint.go).</summary>
internal static class EndpointSpecReader
{
    private static readonly FieldTable<EndpointPort> PortTable = new FieldTable<EndpointPort>("EndpointPort")
        .Field("name", (c, v, p, f) => p.Name = Values.String(c, v, f) ?? p.Name)
        .Field("protocol", (c, v, p, f) => p.Protocol = Values.NumOrString(c, v, f, "numorstring.Protocol")?.Value ?? p.Protocol)
        .Field("port", (c, v, p, f) => p.Port = Values.UInt16(c, v, f) ?? p.Port);

    // A workload port can also map a host port; the appliance does not use that, but the fields are real.
    private static readonly FieldTable<EndpointPort> WorkloadPortTable = new FieldTable<EndpointPort>("WorkloadEndpointPort", PortTable)
        .Field("hostPort", (c, v, _, f) => Values.UInt16(c, v, f))
        .Field("hostIP", (c, v, _, f) => Values.String(c, v, f));

    private static readonly FieldTable<Discarded> IpNatTable = new FieldTable<Discarded>("IPNAT")
        .Field("internalIP", (c, v, _, f) => Values.String(c, v, f))
        .Field("externalIP", (c, v, _, f) => Values.String(c, v, f));

    private static readonly FieldTable<Discarded> QosControlsTable = new FieldTable<Discarded>("QoSControls")
        .Ignore("ingressBandwidth", "ingressBurst", "ingressPeakrate", "ingressMinburst",
            "egressBandwidth", "egressBurst", "egressPeakrate", "egressMinburst",
            "ingressPacketRate", "ingressPacketBurst", "egressPacketRate", "egressPacketBurst",
            "ingressMaxConnections", "egressMaxConnections", "dscp");

    public static readonly FieldTable<HostEndpoint> HostFields = new FieldTable<HostEndpoint>("HostEndpointSpec")
        .Field("node", (c, v, h, f) => h.Node = Values.String(c, v, f) ?? h.Node)
        .Field("interfaceName", (c, v, h, f) => h.InterfaceName = Values.String(c, v, f) ?? h.InterfaceName)
        .Field("expectedIPs", (c, v, h, f) => h.ExpectedIPs = Values.StringList(c, v, f) ?? h.ExpectedIPs)
        .Field("profiles", (c, v, h, f) => h.Profiles = Values.StringList(c, v, f) ?? h.Profiles)
        .Field("ports", (c, v, h, f) => h.Ports = Values.ObjectList(c, v, f, PortTable, "[]v3.EndpointPort", "v3.EndpointPort") ?? h.Ports);

    public static readonly FieldTable<WorkloadEndpoint> WorkloadFields = new FieldTable<WorkloadEndpoint>("WorkloadEndpointSpec")
        .Field("orchestrator", (c, v, w, f) => w.Orchestrator = Values.String(c, v, f) ?? w.Orchestrator)
        .Field("workload", (c, v, w, f) => w.Workload = Values.String(c, v, f) ?? w.Workload)
        .Field("node", (c, v, w, f) => w.Node = Values.String(c, v, f) ?? w.Node)
        .Field("containerID", (c, v, w, f) => w.ContainerId = Values.String(c, v, f) ?? w.ContainerId)
        .Field("pod", (c, v, w, f) => w.Pod = Values.String(c, v, f) ?? w.Pod)
        .Field("endpoint", (c, v, w, f) => w.Endpoint = Values.String(c, v, f) ?? w.Endpoint)
        .Field("serviceAccountName", (c, v, w, f) => w.ServiceAccountName = Values.String(c, v, f) ?? w.ServiceAccountName)
        .Field("ipNetworks", (c, v, w, f) => w.IpNetworks = Values.StringList(c, v, f) ?? w.IpNetworks)
        .Field("ipNATs", (c, v, _, f) => Values.List(c, v, f, "[]v3.IPNAT",
            item => IpNatTable.Read(c, item, Discarded.Instance, f, "v3.IPNAT") ? Discarded.Instance : null))
        .Field("ipv4Gateway", (c, v, _, f) => Values.String(c, v, f))
        .Field("ipv6Gateway", (c, v, _, f) => Values.String(c, v, f))
        .Field("profiles", (c, v, w, f) => w.Profiles = Values.StringList(c, v, f) ?? w.Profiles)
        .Field("interfaceName", (c, v, w, f) => w.InterfaceName = Values.String(c, v, f) ?? w.InterfaceName)
        .Field("mac", (c, v, w, f) => w.Mac = Values.String(c, v, f) ?? w.Mac)
        .Field("ports", (c, v, w, f) =>
            w.Ports = Values.ObjectList(c, v, f, WorkloadPortTable, "[]v3.WorkloadEndpointPort", "v3.WorkloadEndpointPort") ?? w.Ports)
        .Field("allowSpoofedSourcePrefixes", (c, v, w, f) => w.AllowSpoofedSourcePrefixes = Values.StringList(c, v, f) ?? w.AllowSpoofedSourcePrefixes)
        .Field("qosControls", (c, v, _, f) => QosControlsTable.Read(c, v, Discarded.Instance, f, "v3.QoSControls"));

    public static void ReadHost(ReadContext context, YamlValue spec, HostEndpoint endpoint, FieldPath field) =>
        HostFields.Read(context, spec, endpoint, field, "v3.HostEndpointSpec", NodeBinding.FieldsOnly);

    public static void ReadWorkload(ReadContext context, YamlValue spec, WorkloadEndpoint endpoint, FieldPath field) =>
        WorkloadFields.Read(context, spec, endpoint, field, "v3.WorkloadEndpointSpec", NodeBinding.FieldsOnly);
}
