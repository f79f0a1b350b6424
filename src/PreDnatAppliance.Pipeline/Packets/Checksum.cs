using System.Runtime.CompilerServices;

namespace PreDnatAppliance.Pipeline.Packets;

/// <summary>
/// The Internet checksum (RFC 1071) and its incremental update (RFC 1624: HC' = ~(~HC + ~m + m')). A change is
/// accumulated as a <c>delta</c> (the sum of <c>~old + new</c> over every changed 16-bit word) and then applied to
/// each checksum that covers those words. Values are big-endian words as on the wire.
/// </summary>
public static unsafe class Checksum
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Get16(byte* p) => (ushort)(p[0] << 8 | p[1]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put16(byte* p, ushort v)
    {
        p[0] = (byte)(v >> 8);
        p[1] = (byte)v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Get32(byte* p) => (uint)(p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3]);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put32(byte* p, uint v)
    {
        p[0] = (byte)(v >> 24);
        p[1] = (byte)(v >> 16);
        p[2] = (byte)(v >> 8);
        p[3] = (byte)v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Get64(byte* p) => (ulong)Get32(p) << 32 | Get32(p + 4);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Put64(byte* p, ulong v)
    {
        Put32(p, (uint)(v >> 32));
        Put32(p + 4, (uint)v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Delta16(ushort old, ushort @new) => (uint)(ushort)~old + @new;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Delta32(uint old, uint @new) => Delta16((ushort)(old >> 16), (ushort)(@new >> 16)) + Delta16((ushort)old, (ushort)@new);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint Delta64(ulong old, ulong @new) => Delta32((uint)(old >> 32), (uint)(@new >> 32)) + Delta32((uint)old, (uint)@new);

    /// <summary>The checksum after the changes summed in <paramref name="delta"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Apply(ushort checksum, ulong delta)
    {
        var sum = (ulong)(ushort)~checksum + delta;
        return (ushort)~Fold(sum);
    }

    /// <summary>Updates the checksum stored at <paramref name="field"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ApplyAt(byte* field, ulong delta) => Put16(field, Apply(Get16(field), delta));

    /// <summary>
    /// A UDP checksum: 0 means "none" over IPv4 and stays 0; a computed 0 is sent as 0xFFFF (RFC 768).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ApplyUdpAt(byte* field, ulong delta, bool ipv4)
    {
        var old = Get16(field);
        if (old == 0 && ipv4)
            return;
        var v = Apply(old, delta);
        Put16(field, v == 0 ? (ushort)0xFFFF : v);
    }

    /// <summary>
    /// A delta for <see cref="ApplyWireAt"/>: <paramref name="delta"/> folded and put in the frame's byte order. The one's
    /// complement sum does not depend on byte order (RFC 1071 §2(B)), so a checksum can be updated as it lies in the
    /// frame, without swapping it, its delta being swapped once in advance.
    /// </summary>
    public static ushort WireDelta(ulong delta)
    {
        var d = Fold(delta);
        return BitConverter.IsLittleEndian ? (ushort)(d << 8 | d >> 8) : d;
    }

    /// <summary>The same update as <see cref="ApplyAt"/>, with a delta from <see cref="WireDelta"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ApplyWireAt(byte* field, ushort wireDelta) =>
        Unsafe.WriteUnaligned(field, ApplyWire(Unsafe.ReadUnaligned<ushort>(field), wireDelta));

    /// <summary>The same update as <see cref="ApplyUdpAt"/> over IPv4 (a zero checksum stays zero), with a delta from <see cref="WireDelta"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ApplyUdpWireAt(byte* field, ushort wireDelta)
    {
        var old = Unsafe.ReadUnaligned<ushort>(field);
        if (old == 0)
            return;
        var v = ApplyWire(old, wireDelta);
        Unsafe.WriteUnaligned(field, v == 0 ? (ushort)0xFFFF : v);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ushort ApplyWire(ushort checksum, ushort wireDelta)
    {
        // Both terms are at most 0xFFFF: one end-around carry folds the sum.
        var sum = (uint)(ushort)~checksum + wireDelta;
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    /// <summary>Folds a 64-bit one's complement sum to 16 bits (not inverted).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Fold(ulong sum)
    {
        sum = (sum & 0xFFFFFFFF) + (sum >> 32);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)sum;
    }

    /// <summary>The one's complement sum of <paramref name="length"/> bytes (an odd last byte is padded with zero).</summary>
    public static ulong Sum(byte* p, int length, ulong initial = 0)
    {
        var sum = initial;
        var i = 0;
        for (; i + 1 < length; i += 2)
            sum += (uint)(p[i] << 8 | p[i + 1]);
        if (i < length)
            sum += (uint)(p[i] << 8);
        return sum;
    }

    /// <summary>The checksum of a buffer whose checksum field is zero: ~fold(sum).</summary>
    public static ushort Compute(byte* p, int length, ulong initial = 0) => (ushort)~Fold(Sum(p, length, initial));

    /// <summary>The IPv6 pseudo-header sum (RFC 8200 §8.1) for an upper-layer packet of <paramref name="length"/> bytes.</summary>
    public static ulong PseudoHeader6(byte* ipv6Header, uint length, byte nextHeader) =>
        Sum(ipv6Header + 8, 32) + (length >> 16) + (length & 0xFFFF) + nextHeader;

    /// <summary>The IPv4 pseudo-header sum for an upper-layer packet of <paramref name="length"/> bytes.</summary>
    public static ulong PseudoHeader4(byte* ipv4Header, uint length, byte protocol) =>
        Sum(ipv4Header + 12, 8) + length + protocol;

    /// <summary>CRC32c (Castagnoli) as SCTP uses it (RFC 4960 appendix B), over <paramref name="length"/> bytes.</summary>
    public static uint Crc32C(byte* p, int length)
    {
        var crc = 0xFFFFFFFFu;
        var i = 0;
        for (; i + 8 <= length; i += 8)
            crc = System.Numerics.BitOperations.Crc32C(crc, *(ulong*)(p + i));
        for (; i < length; i++)
            crc = System.Numerics.BitOperations.Crc32C(crc, p[i]);
        return ~crc;
    }

    /// <summary>Recomputes an SCTP packet's checksum (its ports changed; addresses are not covered).</summary>
    public static void SctpRecompute(byte* sctp, int length)
    {
        *(uint*)(sctp + 8) = 0;
        var crc = Crc32C(sctp, length);
        // The CRC is stored in network order of its little-endian bytes, i.e. as the raw value on little-endian CPUs.
        *(uint*)(sctp + 8) = BitConverter.IsLittleEndian ? crc : System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(crc);
    }
}
