using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace PreDnatAppliance.Classification;

/// <summary>
/// The first set bit of the AND of two, three or five 64-byte chunks, or -1, at one
/// vector width. Used by the match stages on machines without fast Vector512
/// (the Vector512 stages are written out by hand). The vector finds the first
/// non-zero 64-bit lane; that word is then recomputed from the chunks, which
/// are in L1 by then, instead of being extracted from the vector.
/// </summary>
internal unsafe interface IChunkOps
{
    static abstract int First2(byte* a, byte* b);

    static abstract int First3(byte* a, byte* b, byte* c);

    static abstract int First5(byte* a, byte* b, byte* c, byte* d, byte* e);
}

internal unsafe struct ChunkOps256 : IChunkOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int First2(byte* a, byte* b)
    {
        var lo = Vector256.Load((ulong*)a) & Vector256.Load((ulong*)b);
        var hi = Vector256.Load((ulong*)(a + 32)) & Vector256.Load((ulong*)(b + 32));
        uint lanes = NonZero(lo) | NonZero(hi) << 4;
        if (lanes == 0) return -1;
        int lane = BitOperations.TrailingZeroCount(lanes);
        ulong word = ((ulong*)a)[lane] & ((ulong*)b)[lane];
        return (lane << 6) + BitOperations.TrailingZeroCount(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int First3(byte* a, byte* b, byte* c)
    {
        var lo = Vector256.Load((ulong*)a) & Vector256.Load((ulong*)b) & Vector256.Load((ulong*)c);
        var hi = Vector256.Load((ulong*)(a + 32)) & Vector256.Load((ulong*)(b + 32)) & Vector256.Load((ulong*)(c + 32));
        uint lanes = NonZero(lo) | NonZero(hi) << 4;
        if (lanes == 0) return -1;
        int lane = BitOperations.TrailingZeroCount(lanes);
        ulong word = ((ulong*)a)[lane] & ((ulong*)b)[lane] & ((ulong*)c)[lane];
        return (lane << 6) + BitOperations.TrailingZeroCount(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int First5(byte* a, byte* b, byte* c, byte* d, byte* e)
    {
        var lo = Vector256.Load((ulong*)a) & Vector256.Load((ulong*)b) & Vector256.Load((ulong*)c)
            & Vector256.Load((ulong*)d) & Vector256.Load((ulong*)e);
        var hi = Vector256.Load((ulong*)(a + 32)) & Vector256.Load((ulong*)(b + 32)) & Vector256.Load((ulong*)(c + 32))
            & Vector256.Load((ulong*)(d + 32)) & Vector256.Load((ulong*)(e + 32));
        uint lanes = NonZero(lo) | NonZero(hi) << 4;
        if (lanes == 0) return -1;
        int lane = BitOperations.TrailingZeroCount(lanes);
        ulong word = ((ulong*)a)[lane] & ((ulong*)b)[lane] & ((ulong*)c)[lane] & ((ulong*)d)[lane] & ((ulong*)e)[lane];
        return (lane << 6) + BitOperations.TrailingZeroCount(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NonZero(Vector256<ulong> v) => ~Vector256.Equals(v, Vector256<ulong>.Zero).ExtractMostSignificantBits() & 0xF;
}

internal unsafe struct ChunkOps128 : IChunkOps
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int First2(byte* a, byte* b)
    {
        uint lanes = 0;
        for (int q = 0; q < 4; q++)
        {
            int at = q * 16;
            lanes |= NonZero(Vector128.Load((ulong*)(a + at)) & Vector128.Load((ulong*)(b + at))) << (q * 2);
        }
        if (lanes == 0) return -1;
        int lane = BitOperations.TrailingZeroCount(lanes);
        ulong word = ((ulong*)a)[lane] & ((ulong*)b)[lane];
        return (lane << 6) + BitOperations.TrailingZeroCount(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int First3(byte* a, byte* b, byte* c)
    {
        uint lanes = 0;
        for (int q = 0; q < 4; q++)
        {
            int at = q * 16;
            var v = Vector128.Load((ulong*)(a + at)) & Vector128.Load((ulong*)(b + at)) & Vector128.Load((ulong*)(c + at));
            lanes |= NonZero(v) << (q * 2);
        }
        if (lanes == 0) return -1;
        int lane = BitOperations.TrailingZeroCount(lanes);
        ulong word = ((ulong*)a)[lane] & ((ulong*)b)[lane] & ((ulong*)c)[lane];
        return (lane << 6) + BitOperations.TrailingZeroCount(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int First5(byte* a, byte* b, byte* c, byte* d, byte* e)
    {
        uint lanes = 0;
        for (int q = 0; q < 4; q++)
        {
            int at = q * 16;
            var v = Vector128.Load((ulong*)(a + at)) & Vector128.Load((ulong*)(b + at)) & Vector128.Load((ulong*)(c + at))
                & Vector128.Load((ulong*)(d + at)) & Vector128.Load((ulong*)(e + at));
            lanes |= NonZero(v) << (q * 2);
        }
        if (lanes == 0) return -1;
        int lane = BitOperations.TrailingZeroCount(lanes);
        ulong word = ((ulong*)a)[lane] & ((ulong*)b)[lane] & ((ulong*)c)[lane] & ((ulong*)d)[lane] & ((ulong*)e)[lane];
        return (lane << 6) + BitOperations.TrailingZeroCount(word);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NonZero(Vector128<ulong> v) => ~Vector128.Equals(v, Vector128<ulong>.Zero).ExtractMostSignificantBits() & 0x3;
}
