using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification;

/// <summary>
/// Stage 2 for small tables (patterns inline in the class records, at most two
/// chunks): AND every chunk of the three or five records and take the first set
/// bit. No branch depends on the packet, so nothing is mispredicted; the lane
/// holding the first bit is found from the non-zero lane mask.
/// </summary>
internal static unsafe class InlineMatch
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector3(byte* image, uint* records, int stride, int count, int chunkCount, int* result)
    {
        ulong* words = stackalloc ulong[16];
        for (int i = 0; i < count; i++)
        {
            byte* r0 = image + records[i];
            byte* r1 = image + records[stride + i];
            byte* r2 = image + records[2 * stride + i];
            var v0 = Vector512.Load((ulong*)r0) & Vector512.Load((ulong*)r1) & Vector512.Load((ulong*)r2);
            v0.Store(words);
            uint lanes = NonZeroLanes(v0);
            if (chunkCount > 1)
            {
                var v1 = Vector512.Load((ulong*)(r0 + TableFormat.ChunkBytes)) & Vector512.Load((ulong*)(r1 + TableFormat.ChunkBytes))
                    & Vector512.Load((ulong*)(r2 + TableFormat.ChunkBytes));
                v1.Store(words + 8);
                lanes |= NonZeroLanes(v1) << 8;
            }
            result[i] = First(words, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector5(byte* image, uint* records, int stride, int count, int chunkCount, int* result)
    {
        ulong* words = stackalloc ulong[16];
        for (int i = 0; i < count; i++)
        {
            byte* r0 = image + records[i];
            byte* r1 = image + records[stride + i];
            byte* r2 = image + records[2 * stride + i];
            byte* r3 = image + records[3 * stride + i];
            byte* r4 = image + records[4 * stride + i];
            var v0 = Vector512.Load((ulong*)r0) & Vector512.Load((ulong*)r1) & Vector512.Load((ulong*)r2)
                & Vector512.Load((ulong*)r3) & Vector512.Load((ulong*)r4);
            v0.Store(words);
            uint lanes = NonZeroLanes(v0);
            if (chunkCount > 1)
            {
                const int c = TableFormat.ChunkBytes;
                var v1 = Vector512.Load((ulong*)(r0 + c)) & Vector512.Load((ulong*)(r1 + c)) & Vector512.Load((ulong*)(r2 + c))
                    & Vector512.Load((ulong*)(r3 + c)) & Vector512.Load((ulong*)(r4 + c));
                v1.Store(words + 8);
                lanes |= NonZeroLanes(v1) << 8;
            }
            result[i] = First(words, lanes);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint NonZeroLanes(Vector512<ulong> v) =>
        (uint)(~Vector512.Equals(v, Vector512<ulong>.Zero)).ExtractMostSignificantBits() & 0xFF;

    /// <summary>Bit index of the first set bit, or -1; branch-free (lane 16 reads a zero guard word).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int First(ulong* words, uint lanes)
    {
        int lane = BitOperations.TrailingZeroCount(lanes | 0x10000u);
        int bit = (lane << 6) + BitOperations.TrailingZeroCount(words[lane & 15]);
        return lanes == 0 ? -1 : bit;
    }

    /// <summary>Both layouts at a vector width below 512 bits: chunk 1 only when chunk 0 has no match.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Match<TChunk>(byte* image, uint* records, int stride, int fields, int count, int chunkCount, int* result)
        where TChunk : struct, IChunkOps
    {
        const int c = TableFormat.ChunkBytes;
        for (int i = 0; i < count; i++)
        {
            byte* r0 = image + records[i];
            byte* r1 = image + records[stride + i];
            byte* r2 = image + records[2 * stride + i];
            int found;
            if (fields == 3)
            {
                found = TChunk.First3(r0, r1, r2);
                if (found < 0 && chunkCount > 1)
                {
                    found = TChunk.First3(r0 + c, r1 + c, r2 + c);
                    if (found >= 0) found += TableFormat.ChunkBits;
                }
            }
            else
            {
                byte* r3 = image + records[3 * stride + i];
                byte* r4 = image + records[4 * stride + i];
                found = TChunk.First5(r0, r1, r2, r3, r4);
                if (found < 0 && chunkCount > 1)
                {
                    found = TChunk.First5(r0 + c, r1 + c, r2 + c, r3 + c, r4 + c);
                    if (found >= 0) found += TableFormat.ChunkBits;
                }
            }
            result[i] = found;
        }
    }

    /// <summary>The portable path for both small-table layouts: <paramref name="fields"/> is 3 or 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar(byte* image, uint* records, int stride, int fields, int count, int chunkCount, int* result)
    {
        for (int i = 0; i < count; i++)
        {
            int found = -1;
            for (int k = 0; k < chunkCount * 8 && found < 0; k++)
            {
                ulong word = ~0UL;
                for (int f = 0; f < fields; f++) word &= ((ulong*)(image + records[f * stride + i]))[k];
                if (word != 0) found = (k << 6) + BitOperations.TrailingZeroCount(word);
            }
            result[i] = found;
        }
    }
}
