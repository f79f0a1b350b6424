using System.Diagnostics;
using System.Net;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Hosting.Demo;

/// <summary>
/// The bundled demo traffic, per RX port, for the embedded configuration (config/appliance.json), services
/// (config/services.yaml) and policies/: every kind of decision the appliance makes shows up in the counters.
/// <list type="bullet">
/// <item>eth0 (uplink): NodePort clients of shop/web on 30080 (allowed, DNAT to a backend); clients the pre-DNAT policy
/// denies (30082 from outside, UDP to 30080); SSH to the node (allowed by the failsafe, punted to the kernel).</item>
/// <item>eth1 (cluster network, node2): shop/empty on 30081 (no endpoints: ICMP port unreachable, rate limited) and
/// shop/local-only on 30082 (Local policy, no local endpoint: dropped).</item>
/// <item>pods and eth1: the chosen backends' SYN-ACKs (the local pod directly, remote pods through node2 to the SNAT
/// address): conntrack replies, reverse NAT.</item>
/// </list>
/// </summary>
public static class DemoTraffic
{
    public const string Client = "203.0.113.5", DeniedClient = "198.51.100.66", SshClient = "198.51.100.7";
    public const string Node = "192.0.2.10", NodeCluster = "10.240.0.10", Node2 = "10.240.0.11", LocalPod = "10.244.1.5";
    public const int WebClients = 8;

    /// <summary>Frames per port name.</summary>
    public static IReadOnlyDictionary<string, List<byte[]>> Build(ApplianceConfiguration configuration, ServiceCatalog services)
    {
        ulong PortMac(string name) => Mac(configuration.Dataplane.Ports.First(p => p.Name == name).Mac);
        ulong NeighbourMac(string ip) => Mac(configuration.Neighbours.First(n => n.Ip == ip).Mac);
        var router = NeighbourMac("192.0.2.1");
        var node2 = NeighbourMac(Node2);
        var pod = NeighbourMac(LocalPod);
        var eth0 = PortMac("eth0");
        var eth1 = PortMac("eth1");
        var pods = PortMac("pods");

        var uplink = new List<byte[]>();
        var cluster = new List<byte[]>();
        var replies = new List<byte[]>();
        var table = ServiceTableBuilder.Build(services, configuration.NodeIdentity(), configuration.ServiceOptions(Stopwatch.Frequency));
        for (ushort i = 0; i < WebClients; i++)
        {
            var clientPort = (ushort)(40000 + i);
            uplink.Add(DemoFrames.Tcp(router, eth0, Client, Node, clientPort, 30080, DemoFrames.Syn));
            uplink.Add(DemoFrames.Tcp(router, eth0, Client, Node, clientPort, 30080, DemoFrames.Ack | DemoFrames.Psh, payload: 64));
            // The chosen backend answers (Maglev, as the data path decides): the local pod on the pods port, a remote pod
            // through node2 on eth1, to the SNAT address; the appliance reverses the NAT on the way back to the client.
            var flow = FlowKey.V4(V4(Client), V4(Node), 6, clientPort, 30080);
            var decision = table.Lookup(flow, 0, null);
            if (decision.Verdict != ServiceVerdict.Dnat)
                continue;
            var answer = decision.Nat.Apply(flow).Reversed();
            var (list, mac, portMac) = decision.BackendIsLocal ? (replies, pod, pods) : (cluster, node2, eth1);
            list.Add(DemoFrames.Tcp(mac, portMac, Text(answer.SrcV4), Text(answer.DstV4), answer.SourcePort, answer.DestinationPort, DemoFrames.Syn | DemoFrames.Ack));
        }
        uplink.Add(DemoFrames.Tcp(router, eth0, DeniedClient, Node, 5555, 30082, DemoFrames.Syn));
        uplink.Add(DemoFrames.Udp(router, eth0, DeniedClient, Node, 5556, 30080));
        uplink.Add(DemoFrames.Tcp(router, eth0, SshClient, Node, 50022, 22, DemoFrames.Syn));
        cluster.Add(DemoFrames.Tcp(node2, eth1, Node2, NodeCluster, 41000, 30081, DemoFrames.Syn));
        cluster.Add(DemoFrames.Tcp(node2, eth1, Node2, NodeCluster, 41001, 30082, DemoFrames.Syn));
        return new Dictionary<string, List<byte[]>>(StringComparer.Ordinal) { ["eth0"] = uplink, ["eth1"] = cluster, ["pods"] = replies };
    }

    private static ulong Mac(string? text) => MacAddress.TryParse(text, out var mac) ? mac : throw new InvalidOperationException($"demo: '{text}' is not a MAC address");

    private static string Text(uint ip) => new IPAddress(new[] { (byte)(ip >> 24), (byte)(ip >> 16), (byte)(ip >> 8), (byte)ip }).ToString();

    private static uint V4(string ip)
    {
        var b = IPAddress.Parse(ip).GetAddressBytes();
        return (uint)(b[0] << 24 | b[1] << 16 | b[2] << 8 | b[3]);
    }
}
