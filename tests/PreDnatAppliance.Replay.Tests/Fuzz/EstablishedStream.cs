using PreDnatAppliance.Pipeline.Tests.Parsing;
using static PreDnatAppliance.Pipeline.Tests.Parsing.Pkt;

namespace PreDnatAppliance.Replay.Tests.Fuzz;

/// <summary>
/// Traffic the established prefix is for, with what must end it mixed in: runs of 32 frames (one burst) on eth0, mostly
/// mid-stream ACKs of 48 NodePort clients (picked up by conntrack, DNAT'd to the local or the remote backend); about one
/// frame in 40 is a FIN, RST or SYN of the same flows (a SYN leaves its flow in SYN_SENT, whose ACKs are invalid, until a
/// RST ends it), an ACK with TTL 1, with IP options or a VLAN tag, a UDP datagram,
/// or a frame with a byte flipped; some ACKs carry PSH. One run in seven is on the pods port: the local backend's replies. Frame <c>i</c>
/// depends only on (seed, i).
/// </summary>
public sealed class EstablishedStream(ulong seed)
{
    private const int Clients = 48, Eth0 = 0, Pods = 2;
    private const string Node = "192.0.2.10", Backend = "10.244.1.5";

    private readonly byte[][][] _byClient = Enumerable.Range(0, Clients).Select(Templates).ToArray();

    private static string Client(int c) => $"203.0.113.{c + 1}";
    private static ushort ClientPort(int c) => (ushort)(41000 + c);

    /// <summary>0: ACK; 1-8: the variations; 9: the backend's reply.</summary>
    private static byte[][] Templates(int c)
    {
        var client = Client(c);
        var port = ClientPort(c);
        return new[]
        {
            Tcp4(client, Node, port, 30080, ACK),
            Tcp4(client, Node, port, 30080, (byte)(ACK | FIN)),
            Tcp4(client, Node, port, 30080, RST),
            Tcp4(client, Node, port, 30080, SYN),
            Eth(0x0800, Ipv4(V4(client), V4(Node), 6, Tcp(port, 30080, ACK), ttl: 1)),
            Eth(0x0800, Ipv4(V4(client), V4(Node), 6, Tcp(port, 30080, ACK), options: new byte[] { 1, 1, 1, 0 })),
            Tcp4(client, Node, port, 30080, ACK, new[] { Vlan.Q(100) }),
            Udp4(client, Node, port, 30080, new byte[16]),
            Tcp4(client, Node, port, 30080, (byte)(ACK | 0x08)),
            Tcp4(Backend, client, 8080, port, ACK),
        };
    }

    public int Frame(long index, Span<byte> buffer, out int port)
    {
        var run = new FuzzRng(seed * 0x9E3779B97F4A7C15UL ^ (ulong)(index >> 5) * 0xC2B2AE3D27D4EB4FUL);
        port = run.Chance(14) ? Pods : Eth0;
        var r = new FuzzRng(seed * 0xD6E8FEB86659FD93UL + (ulong)index);
        var templates = _byClient[r.Next(Clients)];
        var pick = r.Next(2000);
        var template = port == Pods ? templates[9]
            : pick < 1900 ? templates[0]
            : pick < 1910 ? templates[1]
            : pick < 1922 ? templates[2]
            : pick < 1923 ? templates[3]
            : pick < 1931 ? templates[4]
            : pick < 1937 ? templates[5]
            : pick < 1943 ? templates[6]
            : pick < 1949 ? templates[7]
            : templates[8];
        template.CopyTo(buffer);
        if (port == Eth0 && pick >= 1994)
            buffer[r.Next(14, 60)] ^= (byte)r.Next(1, 256);
        return template.Length;
    }
}
