using System.Buffers.Binary;
using System.Globalization;
using static PreDnatAppliance.Pipeline.Tests.Parsing.Pkt;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>How big a fuzz run is and which seed it uses: PREDNAT_TEST_LONG=1 for the long runs, PREDNAT_FUZZ_SEED=N for another seed.</summary>
public static class FuzzSettings
{
    public static bool Long => Environment.GetEnvironmentVariable("PREDNAT_TEST_LONG") is { Length: > 0 } v && v != "0";

    public static ulong Seed(ulong defaultSeed) =>
        ulong.TryParse(Environment.GetEnvironmentVariable("PREDNAT_FUZZ_SEED"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : defaultSeed;
}

/// <summary>A small, fast, seedable PRNG (SplitMix64), so frame <c>i</c> of seed <c>s</c> can be rebuilt alone.</summary>
public struct FuzzRng
{
    private ulong _state;

    public FuzzRng(ulong seed) => _state = seed;

    public ulong NextU64()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>0 .. max-1 (max &gt; 0).</summary>
    public int Next(int max) => (int)((NextU64() >> 33) % (ulong)max);

    public int Next(int min, int max) => min + Next(max - min);

    public byte Byte() => (byte)NextU64();

    public bool Chance(int percent) => Next(100) < percent;

    public T Pick<T>(T[] items) => items[Next(items.Length)];
}

/// <summary>
/// Fuzz frames for the parser: random bytes, random-but-structured headers, and mutations of valid frames
/// (truncations, byte flips, corrupted length fields, IHL below 5 or beyond the packet, IPv6 extension chains
/// that loop or overrun, TCP data offsets out of range, fragments, VLAN stacks, zero and tiny lengths,
/// frames that need several mbufs). Frame <c>i</c> depends only on (seed, i).
/// </summary>
public sealed class FrameFuzzer
{
    public const int MaxFrame = 4200;

    private static readonly ushort[] EtherTypes = { 0x0800, 0x0800, 0x0800, 0x86DD, 0x86DD, 0x86DD, 0x0806, 0x8100, 0x88A8, 0x9100, 0x88CC, 0x0026 };
    private static readonly byte[] Protocols = { 6, 17, 132, 1, 58, 0, 43, 44, 51, 60, 59, 50, 47, 255 };
    private static readonly byte[] ExtTypes = { 0, 43, 44, 51, 60 };

    private readonly ulong _seed;

    public FrameFuzzer(ulong seed)
    {
        _seed = seed;
        Seeds = BuildSeeds();
        TruncationFrames = Seeds.Sum(s => s.Length + 1);
    }

    /// <summary>The valid frames mutations start from (every one of them is kept by the parser).</summary>
    public byte[][] Seeds { get; }

    /// <summary>Frames 0 .. TruncationFrames-1 are every seed cut at every offset (0 .. its length).</summary>
    public int TruncationFrames { get; }

    /// <summary>Writes frame <paramref name="index"/> into <paramref name="buffer"/> (at least <see cref="MaxFrame"/> bytes); returns its length.</summary>
    public int Frame(long index, Span<byte> buffer)
    {
        if (index < TruncationFrames)
        {
            var i = (int)index;
            foreach (var s in Seeds)
            {
                if (i <= s.Length)
                {
                    s.AsSpan(0, i).CopyTo(buffer);
                    return i;
                }
                i -= s.Length + 1;
            }
        }

        var r = new FuzzRng(_seed * 0xD1342543DE82EF95UL + (ulong)index);
        var kind = r.Next(100);
        return kind switch
        {
            < 8 => RandomBytes(ref r, buffer),
            < 22 => StructuredRandom(ref r, buffer),
            < 32 => Truncated(ref r, buffer),
            < 50 => Flipped(ref r, buffer),
            < 68 => CorruptedLengths(ref r, buffer),
            < 80 => ExtensionChain(ref r, buffer),
            < 90 => VlanStack(ref r, buffer),
            < 97 => Tiny(ref r, buffer),
            _ => Oversized(ref r, buffer),
        };
    }

    private int CopySeed(ref FuzzRng r, Span<byte> buffer, out byte[] seed)
    {
        seed = r.Pick(Seeds);
        seed.CopyTo(buffer);
        return seed.Length;
    }

    private static int RandomBytes(ref FuzzRng r, Span<byte> buffer)
    {
        var length = r.Chance(90) ? r.Next(0, 160) : r.Next(0, 1600);
        for (var i = 0; i < length; i++)
            buffer[i] = r.Byte();
        return length;
    }

    /// <summary>Ethernet with a known EtherType, an IP-ish header with random fields, random rest.</summary>
    private static int StructuredRandom(ref FuzzRng r, Span<byte> buffer)
    {
        var length = r.Next(14, 200);
        for (var i = 0; i < length; i++)
            buffer[i] = r.Byte();
        var o = 12;
        var tags = r.Chance(70) ? 0 : r.Next(1, 4);
        for (var t = 0; t < tags && o + 4 <= length; t++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[o..], r.Chance(50) ? (ushort)0x8100 : (ushort)0x88A8);
            o += 4;
        }
        var type = r.Pick(EtherTypes);
        if (o + 2 > length)
            return length;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[o..], type);
        var l3 = o + 2;
        var l3Length = length - l3;
        if (type == 0x0800 && l3Length >= 20)
        {
            var ihl = r.Chance(70) ? 5 : r.Next(0, 16);
            buffer[l3] = (byte)(r.Chance(90) ? 0x40 | ihl : r.Byte());
            var total = r.Chance(70) ? l3Length - r.Next(0, Math.Min(l3Length, 8)) : r.Next(0, 65536);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 2)..], (ushort)total);
            if (r.Chance(70))
                BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 6)..], r.Chance(70) ? (ushort)0 : (ushort)r.Next(0, 65536));
            buffer[l3 + 9] = r.Pick(Protocols);
        }
        else if (type == 0x86DD && l3Length >= 40)
        {
            buffer[l3] = (byte)(r.Chance(90) ? 0x60 : r.Byte());
            var payload = r.Chance(70) ? l3Length - 40 - r.Next(0, Math.Min(l3Length - 40 + 1, 8)) : r.Next(0, 65536);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 4)..], (ushort)Math.Max(0, payload));
            buffer[l3 + 6] = r.Pick(Protocols);
        }
        else if (type == 0x0806 && l3Length >= 8 && r.Chance(70))
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[l3..], 1);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 2)..], 0x0800);
            buffer[l3 + 4] = 6;
            buffer[l3 + 5] = 4;
        }
        return length;
    }

    private int Truncated(ref FuzzRng r, Span<byte> buffer)
    {
        var length = CopySeed(ref r, buffer, out _);
        return r.Next(0, length + 1);
    }

    private int Flipped(ref FuzzRng r, Span<byte> buffer)
    {
        var length = CopySeed(ref r, buffer, out _);
        var flips = r.Next(1, 5);
        for (var i = 0; i < flips; i++)
        {
            var at = r.Chance(80) ? r.Next(0, Math.Min(length, 96)) : r.Next(0, length);
            buffer[at] = r.Chance(50) ? (byte)(buffer[at] ^ (1 << r.Next(8))) : r.Byte();
        }
        if (r.Chance(20))
            length = r.Next(0, length + 1);
        return length;
    }

    /// <summary>One length-ish field of a valid frame set to a random or boundary value.</summary>
    private int CorruptedLengths(ref FuzzRng r, Span<byte> buffer)
    {
        var length = CopySeed(ref r, buffer, out _);
        var l3 = 12;
        while (l3 + 2 <= length && BinaryPrimitives.ReadUInt16BigEndian(buffer[l3..]) is 0x8100 or 0x88A8)
            l3 += 4;
        var type = BinaryPrimitives.ReadUInt16BigEndian(buffer[l3..]);
        l3 += 2;
        int l4;
        byte protocol;
        if (type == 0x0800)
        {
            var ihl = (buffer[l3] & 0x0F) * 4;
            l4 = l3 + ihl;
            protocol = buffer[l3 + 9];
            switch (r.Next(6))
            {
                case 0: buffer[l3] = (byte)(0x40 | r.Next(0, 16)); break;                       // IHL < 5 or beyond
                case 1: buffer[l3] = (byte)(r.Next(0, 16) << 4 | (buffer[l3] & 0x0F)); break;   // version
                case 2: BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 2)..], (ushort)Boundary(ref r, length - l3, ihl)); break;
                case 3: BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 6)..], (ushort)r.Next(0, 65536)); break; // fragment bits
                default: return CorruptL4(ref r, buffer, length, l4, protocol, v6: false);
            }
            return length;
        }
        if (type == 0x86DD)
        {
            protocol = buffer[l3 + 6];
            l4 = l3 + 40;
            switch (r.Next(5))
            {
                case 0: BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 4)..], (ushort)Boundary(ref r, length - l3 - 40, 0)); break;
                case 1:
                    // an extension header's length or next header (making loops and overruns)
                    if (protocol is 0 or 43 or 51 or 60 or 44 && l4 + 2 <= length)
                    {
                        if (r.Chance(50))
                            buffer[l4 + 1] = r.Byte();
                        else
                            buffer[l4] = protocol;
                    }
                    else
                        buffer[l3 + 6] = r.Pick(ExtTypes);
                    break;
                default:
                    // find the upper layer the simple way (seeds have at most a few extension headers)
                    for (var n = 0; n < 4 && protocol is 0 or 43 or 60 or 44 or 51 && l4 + 8 <= length; n++)
                    {
                        var size = protocol == 44 ? 8 : protocol == 51 ? (buffer[l4 + 1] + 2) * 4 : (buffer[l4 + 1] + 1) * 8;
                        protocol = buffer[l4];
                        l4 += size;
                    }
                    return CorruptL4(ref r, buffer, length, l4, protocol, v6: true);
            }
            return length;
        }
        if (type == 0x0806 && l3 + 8 <= length)
            buffer[l3 + r.Next(0, 6)] = r.Byte();
        return length;
    }

    private static int Boundary(ref FuzzRng r, int available, int header) => r.Next(8) switch
    {
        0 => 0,
        1 => Math.Max(0, header - 1),
        2 => header,
        3 => available,
        4 => available + 1,
        5 => Math.Max(0, available - 1),
        _ => r.Next(0, 65536),
    };

    private static int CorruptL4(ref FuzzRng r, Span<byte> buffer, int length, int l4, byte protocol, bool v6)
    {
        if (l4 >= length)
            return length;
        switch (protocol)
        {
            case 6 when l4 + 13 < length:
                buffer[l4 + 12] = (byte)(r.Next(0, 16) << 4);           // data offset 0..15
                break;
            case 17 when l4 + 6 <= length:
                BinaryPrimitives.WriteUInt16BigEndian(buffer[(l4 + 4)..], (ushort)Boundary(ref r, length - l4, 8));
                break;
            case 1 or 58 when l4 + 8 < length:
                // an error's embedded header: its IHL/version, or the type (query/error switch)
                if (r.Chance(50))
                    buffer[l4 + 8] = r.Chance(50) ? (byte)((v6 ? 0x60 : 0x40) | r.Next(0, 16)) : r.Byte();
                else
                    buffer[l4] = r.Pick(v6 ? new byte[] { 1, 2, 3, 4, 128, 129, 135 } : new byte[] { 0, 3, 4, 5, 8, 11, 12, 13 });
                break;
            default:
                buffer[l4 + r.Next(0, Math.Min(8, length - l4))] = r.Byte();
                break;
        }
        if (r.Chance(15))
            length = r.Next(l4, length + 1);
        return length;
    }

    /// <summary>IPv6 with a random chain of extension headers (possibly looping, overrunning, too long) and a random upper layer.</summary>
    private static int ExtensionChain(ref FuzzRng r, Span<byte> buffer)
    {
        var o = WriteEthernet(buffer, 0x86DD, r.Chance(20) ? 1 : 0);
        var l3 = o;
        buffer.Slice(l3, 40).Clear();
        buffer[l3] = 0x60;
        var pos = l3 + 40;
        var count = r.Chance(70) ? r.Next(0, 6) : r.Next(6, 14);
        var next = count > 0 ? r.Pick(ExtTypes) : r.Pick(Protocols);
        buffer[l3 + 6] = next;
        for (var i = 0; i < count && pos + 64 < MaxFrame - 64; i++)
        {
            var type = next;
            next = i + 1 < count ? (r.Chance(30) ? type : r.Pick(ExtTypes)) : r.Pick(Protocols);
            buffer[pos] = next;
            int size;
            if (type == 44)
            {
                size = 8;
                BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 2)..], (ushort)(r.Chance(60) ? (r.Chance(50) ? 1 : 0) : r.Next(0, 65536)));
                BinaryPrimitives.WriteUInt32BigEndian(buffer[(pos + 4)..], (uint)r.NextU64());
            }
            else
            {
                var lengthField = r.Chance(85) ? r.Next(0, 4) : r.Byte();
                buffer[pos + 1] = (byte)lengthField;
                size = type == 51 ? (lengthField + 2) * 4 : (lengthField + 1) * 8;
                var fill = Math.Min(size, MaxFrame - pos);
                for (var b = 2; b < fill && b < 64; b++)
                    buffer[pos + b] = 0;
            }
            pos += Math.Min(size, 64);
            if (size > 64)
                break; // claims more than is written: an overrun unless the payload is long
        }
        // the upper layer: a plausible header or random bytes
        var upper = r.Next(0, 48);
        for (var i = 0; i < upper; i++)
            buffer[pos + i] = r.Byte();
        if (upper >= 20 && next == 6)
            buffer[pos + 12] = (byte)(r.Next(0, 16) << 4);
        if (upper >= 8 && next == 17)
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(pos + 4)..], (ushort)(r.Chance(70) ? upper : r.Next(0, 128)));
        pos += upper;
        var payload = pos - l3 - 40;
        BinaryPrimitives.WriteUInt16BigEndian(buffer[(l3 + 4)..], (ushort)(r.Chance(80) ? payload : Math.Max(0, payload + r.Next(-16, 17))));
        return r.Chance(10) ? r.Next(0, pos + 1) : pos;
    }

    /// <summary>A seed's L3 packet behind 0..5 tags of random TPIDs.</summary>
    private int VlanStack(ref FuzzRng r, Span<byte> buffer)
    {
        var seed = r.Pick(Seeds);
        var l3 = 12;
        while (BinaryPrimitives.ReadUInt16BigEndian(seed.AsSpan(l3)) is 0x8100 or 0x88A8)
            l3 += 4;
        var tags = r.Next(0, 6);
        var o = 12;
        seed.AsSpan(0, 12).CopyTo(buffer);
        for (var t = 0; t < tags; t++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[o..], r.Pick(new ushort[] { 0x8100, 0x88A8, 0x88A8, 0x9100 }));
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(o + 2)..], (ushort)r.Next(0, 65536));
            o += 4;
        }
        var rest = seed.AsSpan(l3);
        rest.CopyTo(buffer[o..]);
        var length = o + rest.Length;
        return r.Chance(20) ? r.Next(0, length + 1) : length;
    }

    private static int Tiny(ref FuzzRng r, Span<byte> buffer)
    {
        var length = r.Chance(20) ? 0 : r.Next(0, 24);
        for (var i = 0; i < length; i++)
            buffer[i] = r.Byte();
        if (length >= 14 && r.Chance(70))
            BinaryPrimitives.WriteUInt16BigEndian(buffer[12..], r.Pick(EtherTypes));
        return length;
    }

    /// <summary>Frames around and beyond one mbuf's data room (2048): multi-segment drops and near-limit singles.</summary>
    private int Oversized(ref FuzzRng r, Span<byte> buffer)
    {
        var seed = r.Pick(Seeds);
        var length = r.Chance(50) ? r.Next(2040, 2057) : r.Next(2057, MaxFrame);
        seed.CopyTo(buffer);
        for (var i = seed.Length; i < length; i++)
            buffer[i] = r.Byte();
        return length;
    }

    private static int WriteEthernet(Span<byte> buffer, ushort type, int tags)
    {
        DstMac.CopyTo(buffer);
        SrcMac.CopyTo(buffer[6..]);
        var o = 12;
        for (var t = 0; t < tags; t++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(buffer[o..], 0x8100);
            BinaryPrimitives.WriteUInt16BigEndian(buffer[(o + 2)..], 42);
            o += 4;
        }
        BinaryPrimitives.WriteUInt16BigEndian(buffer[o..], type);
        return o + 2;
    }

    /// <summary>Valid frames of every kind the parser knows.</summary>
    public static byte[][] BuildSeeds()
    {
        var a = V4("10.0.0.1");
        var b = V4("192.0.2.10");
        var udp4 = Ipv4(a, b, 17, Udp(40000, 53, new byte[12]));
        var tcp4 = Ipv4(a, b, 6, Tcp(40000, 30080, SYN, options: new byte[] { 2, 4, 5, 0xB4, 1, 1, 4, 2 }));
        var echo4 = Ipv4(a, b, 1, Icmp(8, 0, id: 0x1234, seq: 1, body: new byte[8]));
        var tcp6 = Ipv6("2001:db8::1", "2001:db8::2", 6, Tcp(40000, 443, ACK, payload: new byte[10]));
        var udp6 = Ipv6("2001:db8::1", "2001:db8::2", 17, Udp(5000, 53, new byte[6]));
        return new[]
        {
            Eth(0x0800, tcp4, pad: false),
            Eth(0x0800, udp4),
            Eth(0x0800, Ipv4(a, b, 132, Sctp(36412, 36412))),
            Eth(0x0800, echo4),
            Eth(0x0800, Ipv4(a, b, 6, Tcp(1, 2), options: new byte[] { 0x94, 4, 0, 0, 1, 1, 1, 0 })),
            Eth(0x0800, Ipv4(a, b, 17, Udp(1, 2, new byte[40])[..24], moreFragments: true)),
            Eth(0x0800, Ipv4(a, b, 17, new byte[24], fragmentOffset: 3)),
            Eth(0x0800, Ipv4(b, a, 1, IcmpError(3, 3, udp4, keep: 28))),
            Eth(0x0800, Ipv4(b, a, 1, IcmpError(3, 4, tcp4, keep: 48, rest: 1400))),
            Eth(0x0800, Ipv4(b, a, 1, IcmpError(11, 0, echo4))),
            Eth(0x0800, Ipv4(a, b, 47, new byte[16])),
            Eth(0x0800, tcp4, new[] { Vlan.Q(100) }),
            Eth(0x0800, udp4, new[] { Vlan.Ad(200), Vlan.Q(300) }),
            Eth(0x0806, Arp(1, 0x020000000002, a, 0, b)),
            Eth(0x0806, Arp(2, 0x020000000003, b, 0x020000000002, a), new[] { Vlan.Q(7) }),
            Eth(0x86DD, tcp6, pad: false),
            Eth(0x86DD, udp6),
            Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 58, Icmp(128, 0, id: 7, seq: 9, body: new byte[8]))),
            Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 0,
                Concat(Ext(60, 8), Ext(43, 16), Ext(51, 24), Ah(17, 16), Udp(1, 2, new byte[4])), upperLayerOffset: 64, upperLayerProtocol: 17)),
            Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 44, Concat(Frag6(6, 0, more: true), Tcp(1, 2, ACK)))),
            Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 44, Concat(Frag6(6, 20, more: false), new byte[16]))),
            Eth(0x86DD, Ipv6("2001:db8::fe", "2001:db8::1", 58, IcmpError(2, 0, tcp6, keep: 48, rest: 1280))),
            Eth(0x86DD, Ipv6("2001:db8::fe", "2001:db8::1", 58, IcmpError(1, 4,
                Ipv6("2001:db8::1", "2001:db8::2", 60, Concat(Ext(17, 8), Udp(1, 2)), upperLayerOffset: 8, upperLayerProtocol: 17)))),
            Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 132, Sctp(9, 10)), new[] { Vlan.Ad(5), Vlan.Q(6) }),
            Eth(0x86DD, Ipv6("2001:db8::1", "2001:db8::2", 59, Array.Empty<byte>())),
        };
    }
}
