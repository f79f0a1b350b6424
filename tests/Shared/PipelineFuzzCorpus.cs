// Linked into the tests that push fuzz traffic through the whole pipeline (offline and under DPDK), together with the
// parse tests' FrameFuzzer and Pkt.
using System.Buffers.Binary;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using static PreDnatAppliance.Pipeline.Tests.Parsing.Pkt;

namespace PreDnatAppliance.TestSupport;

/// <summary>
/// Fuzz traffic for the whole appliance under its embedded default configuration, services and the repository's
/// policies (node1: eth0 uplink 192.0.2.10, eth1 cluster 10.240.0.10, pods 10.244.1.0/24, kernel). Half of the
/// frames are the parse fuzzer's (random bytes and mutations of valid frames: truncations at every offset, wrong
/// lengths, IHL &lt; 5 or beyond the packet, looping or overrunning IPv6 extension chains, TCP data offsets out of range,
/// fragments, VLAN stacks, zero-length, multi-segment), the other half is traffic that goes deep: NodePort SYNs and
/// their ACKs (DNAT to the local or the remote backend, conntrack hits), backend replies (reverse NAT), flows to the
/// endpoint-less NodePort (REJECT, rate-limited) and the Local-only one, pre-DNAT denies, ARP, host-originated
/// traffic, forwarded traffic, unresolved next hops, ICMP errors, IPv6 — a third of it with a byte or two flipped or
/// cut short. Frames come in runs of up to 16 per ingress port (a burst never mixes ports). Frame <c>i</c> depends
/// only on (seed, i), so a failure names a frame that can be rebuilt alone.
/// </summary>
public sealed class PipelineFuzzCorpus
{
    public const int MaxFrame = FrameFuzzer.MaxFrame;

    /// <summary>The embedded default configuration's ports, in its order (port id = index).</summary>
    public static readonly string[] Ports = { "eth0", "eth1", "pods", "kernel" };

    private const int Eth0 = 0, Eth1 = 1, Pods = 2, Kernel = 3;

    private readonly ulong _seed;
    private readonly FrameFuzzer _frames;
    private readonly byte[][][] _templatesByPort;

    public PipelineFuzzCorpus(ulong seed)
    {
        _seed = seed;
        _frames = new FrameFuzzer(seed);
        _templatesByPort = BuildTemplates();
    }

    /// <summary>Writes frame <paramref name="index"/> into <paramref name="buffer"/> (≥ <see cref="MaxFrame"/> bytes); returns its length and ingress port index.</summary>
    public int Frame(long index, Span<byte> buffer, out int port)
    {
        var group = new FuzzRng(_seed * 0x9E3779B97F4A7C15UL ^ (ulong)(index >> 4) * 0xC2B2AE3D27D4EB4FUL);
        var pick = group.Next(100);
        port = pick < 55 ? Eth0 : pick < 75 ? Eth1 : pick < 90 ? Pods : Kernel;

        var r = new FuzzRng(_seed * 0xD6E8FEB86659FD93UL + (ulong)index);
        if (r.Chance(50))
            return _frames.Frame(index, buffer);

        var templates = _templatesByPort[port];
        var template = templates[r.Next(templates.Length)];
        template.CopyTo(buffer);
        var length = template.Length;
        VaryClient(ref r, buffer, length, port);
        if (r.Chance(33))
        {
            var flips = r.Next(1, 3);
            for (var f = 0; f < flips; f++)
                buffer[r.Next(0, Math.Min(length, 80))] = r.Byte();
            if (r.Chance(30))
                length = r.Next(0, length + 1);
        }
        return length;
    }

    /// <summary>
    /// IPv4 templates talk to or from a "client" 203.0.113.x / 10.240.x.y: its last address byte and its port (low
    /// 6 bits) vary, so flows repeat often enough for SYNs, ACKs and replies to meet in conntrack.
    /// </summary>
    private static void VaryClient(ref FuzzRng r, Span<byte> buffer, int length, int port)
    {
        if (length < 14 + 20 + 4 || BinaryPrimitives.ReadUInt16BigEndian(buffer[12..]) != 0x0800 || (buffer[14] & 0x0F) != 5)
            return;
        var host = (byte)r.Next(1, 255);
        var clientPort = (ushort)(40000 + r.Next(64));
        var clientIsSource = port is Eth0 or Eth1;
        buffer[14 + (clientIsSource ? 12 : 16) + 3] = host;
        if (buffer[14 + 9] is 6 or 17)
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(14 + 20 + (clientIsSource ? 0 : 2))..], clientPort);
    }

    private static byte[][][] BuildTemplates()
    {
        const string node = "192.0.2.10", cluster = "10.240.0.10", client = "203.0.113.1", peer = "10.240.3.1";
        var synToWeb = Ipv4(V4(client), V4(node), 6, Tcp(40000, 30080, SYN));
        var eth0 = new[]
        {
            Tcp4(client, node, 40000, 30080, SYN),                       // NodePort: pre-DNAT allow, DNAT (local or remote backend)
            Tcp4(client, node, 40000, 30080, SYN),
            Tcp4(client, node, 40000, 30080, ACK),                       // its flow, established once the SYN passed
            Tcp4(client, node, 40000, 30080, (byte)(ACK | FIN)),
            Tcp4(client, node, 40000, 30080, RST),
            Tcp4(client, node, 40000, 30081, SYN),                       // not allowed from outside: pre-DNAT deny
            Tcp4(client, node, 40000, 22, SYN),
            Udp4(client, node, 40000, 30080, new byte[16]),
            Eth(0x0806, Arp(1, 0x02000000C001, V4("192.0.2.1"), 0, V4(node))),          // ARP for the node: answered
            Eth(0x0806, Arp(1, 0x02000000C001, V4("192.0.2.1"), 0, V4("192.0.2.77"))),   // not for us
            Eth(0x0800, Ipv4(V4("192.0.2.1"), V4(node), 1, IcmpError(3, 4, synToWeb, keep: 48))),
            Eth(0x0800, Ipv4(V4(client), V4(node), 1, Icmp(8, 0, id: 9, seq: 1, body: new byte[16]))),
            Tcp6("2001:db8:1::5", "2001:db8::10", 40000, 30080, SYN),
            Udp6("2001:db8:1::5", "2001:db8::10", 40000, 53),
            Tcp4(client, node, 40000, 30080, SYN, new[] { Vlan.Q(100) }),
        };
        var eth1 = new[]
        {
            Tcp4(peer, cluster, 40000, 30081, SYN),                      // cluster source allowed: no endpoints → ICMP reject
            Udp4(peer, cluster, 40000, 30081, new byte[8]),
            Tcp4(peer, cluster, 40000, 30082, SYN),                      // Local policy, no local endpoint: drop
            Tcp4(peer, cluster, 40000, 30080, SYN),
            Tcp4(peer, "10.244.1.5", 40000, 8080, SYN),                  // to the local pod: workload policy
            Tcp4(peer, "10.244.2.7", 40000, 8080, SYN),                  // to node2's pod: forwarded on eth1
            Tcp4(peer, "192.0.2.99", 40000, 80, SYN),                    // on-link, no neighbour: ARP request
            Udp4(peer, cluster, 40000, 53, new byte[20]),                // host-bound: punted
            Eth(0x0806, Arp(1, 0x02000AF0000B, V4("10.240.0.11"), 0, V4(cluster))),
        };
        var pods = new[]
        {
            Tcp4("10.244.1.5", client, 8080, 40000, (byte)(SYN | ACK)), // the local backend's reply: reverse NAT
            Tcp4("10.244.1.5", client, 8080, 40000, ACK),
            Tcp4("10.244.1.5", "10.244.2.7", 40000, 8080, SYN),         // pod to pod across nodes
            Udp4("10.244.1.5", "10.96.0.10", 40000, 53, new byte[12]),
            Eth(0x0800, Ipv4(V4("10.244.1.5"), V4(client), 1, IcmpError(3, 3, synToWeb, keep: 28))),
            Eth(0x0806, Arp(1, 0x02000AF40105, V4("10.244.1.5"), 0, V4("10.244.1.1"))),
        };
        var kernel = new[]
        {
            Tcp4(node, "198.51.100.7", 40000, 443, SYN),                 // host-originated: host egress policy, out of eth0
            Udp4(node, "192.0.2.1", 40000, 53, new byte[12]),
            Eth(0x0806, Arp(1, 0x0200000000FE, V4(node), 0, V4("192.0.2.1"))),
            Tcp6("2001:db8::10", "2001:db8:1::5", 443, 40000, (byte)(SYN | ACK)),
        };
        return new[] { eth0, eth1, pods, kernel };
    }
}
