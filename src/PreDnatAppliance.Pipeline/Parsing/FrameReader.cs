using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace PreDnatAppliance.Pipeline.Parsing;

/// <summary>
/// How a <see cref="FrameReader{TBounds}"/> checks its reads. The parser is generic over a struct implementing
/// this, so the JIT compiles one specialised copy per policy: with <see cref="UncheckedReads"/> the check is an
/// empty inlined call (no code at all), with <see cref="CheckedReads"/> every read is verified. The choice is
/// made once per burst, never per read.
/// </summary>
internal interface IBoundsPolicy
{
    static abstract void Check(int offset, int size, int length);
}

/// <summary>Release reads: no check. Every read is bounded by the parser's explicit length tests.</summary>
internal struct UncheckedReads : IBoundsPolicy
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(int offset, int size, int length)
    {
    }
}

/// <summary>
/// Asserting reads: a read of <c>size</c> bytes at <c>offset</c> must lie inside <c>[0, length)</c>, otherwise
/// <see cref="ParserBoundsException"/>. A parser bug (a missing length test) thus fails loudly in tests and
/// Debug builds instead of reading past the frame.
/// </summary>
internal struct CheckedReads : IBoundsPolicy
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Check(int offset, int size, int length)
    {
        if ((uint)offset > (uint)length || (uint)size > (uint)(length - offset))
            Fail(offset, size, length);
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Fail(int offset, int size, int length) => throw new ParserBoundsException(offset, size, length);
}

/// <summary>The parser read outside the frame: always a parser bug (only raised with bounds checks on).</summary>
public sealed class ParserBoundsException : Exception
{
    public ParserBoundsException(int offset, int size, int length)
        : base($"parser read of {size} byte(s) at offset {offset} is outside the {length}-byte frame")
    {
        Offset = offset;
        Size = size;
        Length = length;
    }

    public int Offset { get; }
    public int Size { get; }
    public int Length { get; }
}

/// <summary>
/// Big-endian reads of one frame's bytes. Every byte the parser looks at goes through here, so
/// <typeparamref name="TBounds"/> sees every read.
/// </summary>
internal readonly unsafe struct FrameReader<TBounds> where TBounds : struct, IBoundsPolicy
{
    private readonly byte* _data;

    public FrameReader(byte* data, int length)
    {
        _data = data;
        Length = length;
    }

    /// <summary>Bytes in the frame.</summary>
    public int Length { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public byte U8(int offset)
    {
        TBounds.Check(offset, 1, Length);
        return _data[offset];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ushort U16(int offset)
    {
        TBounds.Check(offset, 2, Length);
        var v = Unsafe.ReadUnaligned<ushort>(_data + offset);
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint U32(int offset)
    {
        TBounds.Check(offset, 4, Length);
        var v = Unsafe.ReadUnaligned<uint>(_data + offset);
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong U64(int offset)
    {
        TBounds.Check(offset, 8, Length);
        var v = Unsafe.ReadUnaligned<ulong>(_data + offset);
        return BitConverter.IsLittleEndian ? BinaryPrimitives.ReverseEndianness(v) : v;
    }

    /// <summary>A 48-bit MAC address in the low bits of a <see cref="ulong"/> (first byte on the wire highest).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong U48(int offset)
    {
        TBounds.Check(offset, 6, Length);
        return (ulong)U16(offset) << 32 | U32(offset + 2);
    }
}
