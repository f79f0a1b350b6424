using PreDnatAppliance.Pipeline.Tests.Parsing;

namespace PreDnatAppliance.Replay.Tests.Infrastructure;

/// <summary>Frames for the scenarios (the parse tests' builder; checksums valid).</summary>
public static class Net
{
    public const byte SYN = Pkt.SYN, ACK = Pkt.ACK, FIN = Pkt.FIN, RST = Pkt.RST, SYNACK = Pkt.SYN | Pkt.ACK;

    /// <summary>The uplink's client and the node addresses of the embedded default configuration.</summary>
    public const string Client = "203.0.113.5", Node = "192.0.2.10", NodeCluster = "10.240.0.10", LocalPod = "10.244.1.5", RemotePod = "10.244.2.7";

    public static byte[] Tcp(string src, string dst, ushort sp, ushort dp, byte flags = SYN) => Pkt.Tcp4(src, dst, sp, dp, flags);

    public static byte[] Udp(string src, string dst, ushort sp, ushort dp, byte[]? payload = null) => Pkt.Udp4(src, dst, sp, dp, payload ?? new byte[] { 1, 2, 3, 4 });

    public static byte[] Tcp6(string src, string dst, ushort sp, ushort dp, byte flags = SYN) => Pkt.Tcp6(src, dst, sp, dp, flags);

    public static byte[] ArpRequest(string sender, ulong senderMac, string target) =>
        Pkt.Eth(0x0806, Pkt.Arp(1, senderMac, Pkt.V4(sender), 0, Pkt.V4(target)));

    public static byte[] ArpReply(string sender, ulong senderMac, string target, ulong targetMac) =>
        Pkt.Eth(0x0806, Pkt.Arp(2, senderMac, Pkt.V4(sender), targetMac, Pkt.V4(target)));

    public static byte[] Ping(string src, string dst, ushort id = 7, ushort seq = 1) =>
        Pkt.Eth(0x0800, Pkt.Ipv4(Pkt.V4(src), Pkt.V4(dst), 1, Pkt.Icmp(8, 0, id, seq)));

    /// <summary>An ICMP error (type/code) from <paramref name="src"/> to <paramref name="dst"/> about the IP packet inside <paramref name="offending"/> (a frame).</summary>
    public static byte[] IcmpError(string src, string dst, byte type, byte code, byte[] offending, int keep = 28) =>
        Pkt.Eth(0x0800, Pkt.Ipv4(Pkt.V4(src), Pkt.V4(dst), 1, Pkt.IcmpError(type, code, IpPacket(offending), keep)));

    /// <summary>The IP packet of an untagged frame (without Ethernet padding).</summary>
    public static byte[] IpPacket(byte[] frame)
    {
        var total = frame[12] == 0x86 ? 40 + (frame[18] << 8 | frame[19]) : frame[16] << 8 | frame[17];
        return frame.AsSpan(14, total).ToArray();
    }
}
