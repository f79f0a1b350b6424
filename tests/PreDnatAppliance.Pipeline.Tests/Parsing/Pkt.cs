using System.Buffers.Binary;
using System.Net;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>A VLAN tag: TPID (0x8100 or 0x88A8) and TCI (PCP/DEI/VID).</summary>
public readonly record struct Vlan(ushort Tpid, ushort Tci)
{
    public static Vlan Q(ushort vid) => new(0x8100, vid);
    public static Vlan Ad(ushort vid) => new(0x88A8, vid);
}

/// <summary>
/// Builds frames for tests, inside out: L4 (<see cref="Tcp"/>, <see cref="Udp"/>, ...), then IP
/// (<see cref="Ipv4"/>, <see cref="Ipv6"/> with extension headers), then <see cref="Eth"/>. IP builders fill in
/// the IPv4 header checksum and the TCP/UDP/ICMP/ICMPv6 checksum (when the checksum field is zero and the
/// packet is whole), so frames are valid for tshark too. Every length field can be overridden to build
/// malformed packets.
/// </summary>
public static class Pkt
{
    public static readonly byte[] DstMac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
    public static readonly byte[] SrcMac = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };

    public const byte SYN = 0x02, ACK = 0x10, FIN = 0x01, RST = 0x04, PSH = 0x08;

    public static uint V4(string address)
    {
        var b = IPAddress.Parse(address).GetAddressBytes();
        if (b.Length != 4)
            throw new ArgumentException(address);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    public static (ulong High, ulong Low) V6(string address)
    {
        var b = IPAddress.Parse(address).GetAddressBytes();
        if (b.Length != 16)
            throw new ArgumentException(address);
        return (BinaryPrimitives.ReadUInt64BigEndian(b), BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(8)));
    }

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new byte[parts.Sum(p => p.Length)];
        var o = 0;
        foreach (var p in parts)
        {
            p.CopyTo(result, o);
            o += p.Length;
        }
        return result;
    }

    // ---- L2 ---------------------------------------------------------------------------------------------

    /// <summary>An Ethernet frame (no FCS), padded with zeros to 60 bytes unless <paramref name="pad"/> is false.</summary>
    public static byte[] Eth(ushort etherType, byte[] payload, Vlan[]? vlans = null, bool pad = true)
    {
        vlans ??= Array.Empty<Vlan>();
        var header = 14 + 4 * vlans.Length;
        var length = header + payload.Length;
        if (pad)
            length = Math.Max(length, 60);
        var f = new byte[length];
        DstMac.CopyTo(f, 0);
        SrcMac.CopyTo(f, 6);
        var o = 12;
        foreach (var v in vlans)
        {
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), v.Tpid);
            BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o + 2), v.Tci);
            o += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(f.AsSpan(o), etherType);
        payload.CopyTo(f, header);
        return f;
    }

    public static byte[] Arp(ushort op, ulong senderMac, uint senderIp, ulong targetMac, uint targetIp,
        ushort hardwareType = 1, ushort protocolType = 0x0800, byte hardwareLength = 6, byte protocolLength = 4)
    {
        var a = new byte[28];
        BinaryPrimitives.WriteUInt16BigEndian(a, hardwareType);
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(2), protocolType);
        a[4] = hardwareLength;
        a[5] = protocolLength;
        BinaryPrimitives.WriteUInt16BigEndian(a.AsSpan(6), op);
        WriteMac(a.AsSpan(8), senderMac);
        BinaryPrimitives.WriteUInt32BigEndian(a.AsSpan(14), senderIp);
        WriteMac(a.AsSpan(18), targetMac);
        BinaryPrimitives.WriteUInt32BigEndian(a.AsSpan(24), targetIp);
        return a;
    }

    private static void WriteMac(Span<byte> b, ulong mac)
    {
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)(mac >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(b[2..], (uint)mac);
    }

    // ---- L3 ---------------------------------------------------------------------------------------------

    /// <summary>
    /// An IPv4 packet. <paramref name="fragmentOffset"/> is in 8-byte units. Overrides: <paramref name="ihl"/>
    /// (32-bit words), <paramref name="totalLength"/>, <paramref name="version"/>.
    /// </summary>
    public static byte[] Ipv4(uint src, uint dst, byte protocol, byte[] payload, byte[]? options = null, bool moreFragments = false,
        int fragmentOffset = 0, bool dontFragment = false, int? totalLength = null, int? ihl = null, int version = 4,
        ushort id = 0x1234, byte ttl = 64)
    {
        options ??= Array.Empty<byte>();
        if (options.Length % 4 != 0)
            throw new ArgumentException("IPv4 options must be a multiple of 4 bytes");
        var headerLength = 20 + options.Length;
        var p = new byte[headerLength + payload.Length];
        p[0] = (byte)(version << 4 | (ihl ?? headerLength / 4) & 0x0F);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)(totalLength ?? p.Length));
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), id);
        var flags = (moreFragments ? 0x2000 : 0) | (dontFragment ? 0x4000 : 0) | (fragmentOffset & 0x1FFF);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(6), (ushort)flags);
        p[8] = ttl;
        p[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(12), src);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(16), dst);
        options.CopyTo(p, 20);
        payload.CopyTo(p, headerLength);
        if (!moreFragments && fragmentOffset == 0)
            FillL4Checksum(p.AsSpan(headerLength), protocol, Pseudo4(src, dst, protocol, payload.Length), v6: false);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), Checksum(p.AsSpan(0, headerLength), 0));
        return p;
    }

    public static byte[] Ipv4(string src, string dst, byte protocol, byte[] payload, byte[]? options = null, bool moreFragments = false,
        int fragmentOffset = 0) =>
        Ipv4(V4(src), V4(dst), protocol, payload, options, moreFragments, fragmentOffset);

    /// <summary>
    /// An IPv6 packet; <paramref name="payload"/> is every extension header followed by the upper-layer data,
    /// <paramref name="nextHeader"/> the type of the first. The upper-layer checksum is filled in when
    /// <paramref name="upperLayerOffset"/> says where the upper layer starts in the payload.
    /// </summary>
    public static byte[] Ipv6(string src, string dst, byte nextHeader, byte[] payload, int? payloadLength = null, int version = 6,
        int upperLayerOffset = 0, byte? upperLayerProtocol = null)
    {
        var p = new byte[40 + payload.Length];
        p[0] = (byte)(version << 4);
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(payloadLength ?? payload.Length));
        p[6] = nextHeader;
        p[7] = 64;
        IPAddress.Parse(src).GetAddressBytes().CopyTo(p, 8);
        IPAddress.Parse(dst).GetAddressBytes().CopyTo(p, 24);
        payload.CopyTo(p, 40);
        var upper = upperLayerProtocol ?? nextHeader;
        if (upperLayerOffset <= payload.Length)
        {
            var l4 = p.AsSpan(40 + upperLayerOffset);
            FillL4Checksum(l4, upper, Pseudo6(p.AsSpan(8, 16), p.AsSpan(24, 16), upper, l4.Length), v6: true);
        }
        return p;
    }

    /// <summary>Hop-by-Hop, Routing or Destination Options header of <paramref name="length"/> bytes (a multiple of 8), zero (Pad1) filled.</summary>
    public static byte[] Ext(byte next, int length = 8, int? lengthField = null)
    {
        var e = new byte[length];
        e[0] = next;
        e[1] = (byte)(lengthField ?? length / 8 - 1);
        return e;
    }

    /// <summary>An IPv6 fragment header; <paramref name="offset"/> in 8-byte units.</summary>
    public static byte[] Frag6(byte next, int offset, bool more, uint id = 0xABCD)
    {
        var e = new byte[8];
        e[0] = next;
        BinaryPrimitives.WriteUInt16BigEndian(e.AsSpan(2), (ushort)(offset << 3 | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(e.AsSpan(4), id);
        return e;
    }

    /// <summary>An authentication header of <paramref name="length"/> bytes (a multiple of 4, at least 12).</summary>
    public static byte[] Ah(byte next, int length = 16)
    {
        var e = new byte[length];
        e[0] = next;
        e[1] = (byte)(length / 4 - 2);
        return e;
    }

    // ---- L4 ---------------------------------------------------------------------------------------------

    public static byte[] Tcp(ushort sp, ushort dp, byte flags = SYN, byte[]? options = null, byte[]? payload = null, int? dataOffset = null, uint seq = 1000, uint ack = 0)
    {
        options ??= Array.Empty<byte>();
        payload ??= Array.Empty<byte>();
        var header = 20 + options.Length;
        var t = new byte[header + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(t, sp);
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(2), dp);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(4), seq);
        BinaryPrimitives.WriteUInt32BigEndian(t.AsSpan(8), ack);
        t[12] = (byte)((dataOffset ?? header / 4) << 4);
        t[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(t.AsSpan(14), 65535);
        options.CopyTo(t, 20);
        payload.CopyTo(t, header);
        return t;
    }

    public static byte[] Udp(ushort sp, ushort dp, byte[]? payload = null, int? length = null)
    {
        payload ??= Array.Empty<byte>();
        var u = new byte[8 + payload.Length];
        BinaryPrimitives.WriteUInt16BigEndian(u, sp);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(2), dp);
        BinaryPrimitives.WriteUInt16BigEndian(u.AsSpan(4), (ushort)(length ?? u.Length));
        payload.CopyTo(u, 8);
        return u;
    }

    /// <summary>SCTP common header plus a DATA-less INIT-like chunk header.</summary>
    public static byte[] Sctp(ushort sp, ushort dp, uint verificationTag = 0x01020304, bool withChunk = true)
    {
        var s = new byte[withChunk ? 16 : 12];
        BinaryPrimitives.WriteUInt16BigEndian(s, sp);
        BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(2), dp);
        BinaryPrimitives.WriteUInt32BigEndian(s.AsSpan(4), verificationTag);
        if (withChunk)
        {
            s[12] = 1;
            BinaryPrimitives.WriteUInt16BigEndian(s.AsSpan(14), 4);
        }
        return s;
    }

    /// <summary>An ICMP or ICMPv6 message: type, code, then the 4-byte rest of header (id/seq for queries), then the body.</summary>
    public static byte[] Icmp(byte type, byte code, ushort id = 0, ushort seq = 0, byte[]? body = null)
    {
        body ??= Array.Empty<byte>();
        var m = new byte[8 + body.Length];
        m[0] = type;
        m[1] = code;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(4), id);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(6), seq);
        body.CopyTo(m, 8);
        return m;
    }

    /// <summary>An ICMP error (unreachable, time exceeded ...) carrying <paramref name="embedded"/>, cut to <paramref name="keep"/> bytes.</summary>
    public static byte[] IcmpError(byte type, byte code, byte[] embedded, int? keep = null, uint rest = 0)
    {
        var body = embedded.AsSpan(0, Math.Min(keep ?? embedded.Length, embedded.Length)).ToArray();
        var m = Icmp(type, code, body: body);
        BinaryPrimitives.WriteUInt32BigEndian(m.AsSpan(4), rest);
        return m;
    }

    // ---- whole frames -----------------------------------------------------------------------------------

    public static byte[] Tcp4(string src, string dst, ushort sp, ushort dp, byte flags = SYN, Vlan[]? vlans = null) =>
        Eth(0x0800, Ipv4(V4(src), V4(dst), 6, Tcp(sp, dp, flags)), vlans);

    public static byte[] Udp4(string src, string dst, ushort sp, ushort dp, byte[]? payload = null, Vlan[]? vlans = null) =>
        Eth(0x0800, Ipv4(V4(src), V4(dst), 17, Udp(sp, dp, payload)), vlans);

    public static byte[] Tcp6(string src, string dst, ushort sp, ushort dp, byte flags = SYN) =>
        Eth(0x86DD, Ipv6(src, dst, 6, Tcp(sp, dp, flags)));

    public static byte[] Udp6(string src, string dst, ushort sp, ushort dp, byte[]? payload = null) =>
        Eth(0x86DD, Ipv6(src, dst, 17, Udp(sp, dp, payload)));

    // ---- checksums --------------------------------------------------------------------------------------

    private static uint Pseudo4(uint src, uint dst, byte protocol, int length) =>
        (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + protocol + (uint)length;

    private static uint Pseudo6(ReadOnlySpan<byte> src, ReadOnlySpan<byte> dst, byte protocol, int length) =>
        Sum(src) + Sum(dst) + (uint)(length >> 16) + (uint)(length & 0xFFFF) + protocol;

    private static void FillL4Checksum(Span<byte> l4, byte protocol, uint pseudo, bool v6)
    {
        var at = protocol switch
        {
            6 when l4.Length >= 20 => 16,
            17 when l4.Length >= 8 => 6,
            1 when !v6 && l4.Length >= 4 => 2,
            58 when v6 && l4.Length >= 4 => 2,
            _ => -1,
        };
        if (at < 0 || l4[at] != 0 || l4[at + 1] != 0)
            return;
        var sum = Checksum(l4, protocol == 1 ? 0 : pseudo);
        if (protocol == 17 && sum == 0)
            sum = 0xFFFF;
        BinaryPrimitives.WriteUInt16BigEndian(l4[at..], sum);
    }

    private static uint Sum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        var i = 0;
        for (; i + 1 < data.Length; i += 2)
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        if (i < data.Length)
            sum += (uint)data[i] << 8;
        return sum;
    }

    private static ushort Checksum(ReadOnlySpan<byte> data, uint initial)
    {
        var sum = (ulong)initial + Sum(data);
        while (sum >> 16 != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }
}
