using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Conntrack;

/// <summary>
/// A <see cref="FlowKey"/> packed into five 64-bit words with no padding, as stored in table entries: the four
/// address halves, then ports, protocol and IP version in <see cref="Meta"/>. Equal flows have bit-identical keys,
/// so comparing is one 256-bit compare and one 64-bit compare.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 40)]
internal struct CtKey
{
    public ulong SrcHigh;
    public ulong SrcLow;
    public ulong DstHigh;
    public ulong DstLow;

    /// <summary>srcPort | dstPort &lt;&lt; 16 | protocol &lt;&lt; 32 | ipVersion &lt;&lt; 40.</summary>
    public ulong Meta;

    public const byte ProtoIcmp = 1;
    public const byte ProtoTcp = 6;
    public const byte ProtoUdp = 17;
    public const byte ProtoIcmpV6 = 58;
    public const byte ProtoUdpLite = 136;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static CtKey From(in FlowKey k)
    {
        CtKey c;
        c.SrcHigh = k.SrcHigh;
        c.SrcLow = k.SrcLow;
        c.DstHigh = k.DstHigh;
        c.DstLow = k.DstLow;
        c.Meta = k.SourcePort | (ulong)k.DestinationPort << 16 | (ulong)k.Protocol << 32 | (ulong)k.IpVersion << 40;
        return c;
    }

    public readonly ushort SourcePort => (ushort)Meta;
    public readonly ushort DestinationPort => (ushort)(Meta >> 16);
    public readonly byte Protocol => (byte)(Meta >> 32);
    public readonly byte IpVersion => (byte)(Meta >> 40);

    public readonly FlowKey ToFlowKey() => new(IpVersion, SrcHigh, SrcLow, DstHigh, DstLow, Protocol, SourcePort, DestinationPort);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsIcmp(byte protocol) => protocol is ProtoIcmp or ProtoIcmpV6;

    /// <summary>
    /// The key of the other direction: addresses swapped, and ports swapped except for ICMP, whose
    /// "source port" is the echo identifier that both the request and the reply carry (Linux's ICMP tuple
    /// keeps the id and inverts the type).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly CtKey Reverse()
    {
        CtKey r;
        r.SrcHigh = DstHigh;
        r.SrcLow = DstLow;
        r.DstHigh = SrcHigh;
        r.DstLow = SrcLow;
        r.Meta = IsIcmp(Protocol) ? Meta : (Meta & ~0xFFFF_FFFFUL) | (Meta >> 16 & 0xFFFF) | (Meta & 0xFFFF) << 16;
        return r;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool Equal(CtKey* a, in CtKey b)
    {
        fixed (CtKey* pb = &b)
        {
            if (Vector256.IsHardwareAccelerated)
                return Vector256.Load((ulong*)a) == Vector256.Load((ulong*)pb) && a->Meta == pb->Meta;
            return a->SrcLow == pb->SrcLow && a->DstLow == pb->DstLow && a->Meta == pb->Meta && a->SrcHigh == pb->SrcHigh && a->DstHigh == pb->DstHigh;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Equal(in CtKey a, in CtKey b) =>
        a.SrcLow == b.SrcLow && a.DstLow == b.DstLow && a.Meta == b.Meta && a.SrcHigh == b.SrcHigh && a.DstHigh == b.DstHigh;
}

/// <summary>
/// A keyed 64-bit hash of a <see cref="CtKey"/> (folded 64x64->128 multiplies, as in wyhash): the seed is mixed
/// into every input word, so someone who does not know it cannot choose flows that share buckets.
/// Not cryptographic.
/// </summary>
internal readonly struct CtHasher
{
    private readonly ulong _s0, _s1, _s2, _s3, _s4, _s5;

    public CtHasher(ulong seed)
    {
        var x = seed;
        _s0 = SplitMix(ref x); _s1 = SplitMix(ref x); _s2 = SplitMix(ref x);
        _s3 = SplitMix(ref x); _s4 = SplitMix(ref x); _s5 = SplitMix(ref x);
    }

    private static ulong SplitMix(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return (z ^ (z >> 31)) | 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Mum(ulong a, ulong b)
    {
        var hi = Math.BigMul(a, b, out var lo);
        return hi ^ lo;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Hash(in CtKey k)
    {
        var a = Mum(k.SrcLow ^ _s0, k.DstLow ^ _s1);
        var b = Mum(k.SrcHigh ^ _s2, k.DstHigh ^ _s3);
        var c = Mum(k.Meta ^ _s4, a ^ _s5);
        return Mum(b ^ _s0, c ^ _s2);
    }
}
