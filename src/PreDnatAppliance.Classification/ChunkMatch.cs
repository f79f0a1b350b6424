using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification;

/// <summary>
/// Stage 2: per packet, AND the class summaries to find the chunks that may
/// hold a match, then AND the 512-bit patterns of each candidate chunk in
/// priority order; the first non-zero AND holds the first matching rule.
/// Two records with a pair product, three when only protocol and ports were
/// cross-producted, else five.
/// </summary>
internal static unsafe class ChunkMatch
{
    /// <param name="records">Rows of <paramref name="stride"/> record offsets, one row per field.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector3(byte* image, uint* records, int stride, int count, int summaryWords, int* result)
    {
        int patternAt = summaryWords * 8;
        for (int i = 0; i < count; i++)
        {
            byte* r0 = image + records[i];
            byte* r1 = image + records[stride + i];
            byte* r2 = image + records[2 * stride + i];
            int found = -1;
            for (int w = 0; w < summaryWords && found < 0; w++)
            {
                ulong m = ((ulong*)r0)[w] & ((ulong*)r1)[w] & ((ulong*)r2)[w];
                while (m != 0)
                {
                    int chunk = (w << 6) + BitOperations.TrailingZeroCount(m);
                    int at = patternAt + chunk * 4;
                    var v = Vector512.Load((ulong*)(image + *(uint*)(r0 + at)))
                        & Vector512.Load((ulong*)(image + *(uint*)(r1 + at)))
                        & Vector512.Load((ulong*)(image + *(uint*)(r2 + at)));
                    if (v != Vector512<ulong>.Zero)
                    {
                        found = (chunk << 9) + FirstBit(v);
                        break;
                    }
                    m &= m - 1;
                }
            }
            result[i] = found;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector2(byte* image, uint* records, int stride, int count, int summaryWords, int* result)
    {
        int patternAt = summaryWords * 8;
        for (int i = 0; i < count; i++)
        {
            byte* r0 = image + records[i];
            byte* r1 = image + records[stride + i];
            int found = -1;
            for (int w = 0; w < summaryWords && found < 0; w++)
            {
                ulong m = ((ulong*)r0)[w] & ((ulong*)r1)[w];
                while (m != 0)
                {
                    int chunk = (w << 6) + BitOperations.TrailingZeroCount(m);
                    int at = patternAt + chunk * 4;
                    var v = Vector512.Load((ulong*)(image + *(uint*)(r0 + at))) & Vector512.Load((ulong*)(image + *(uint*)(r1 + at)));
                    if (v != Vector512<ulong>.Zero)
                    {
                        found = (chunk << 9) + FirstBit(v);
                        break;
                    }
                    m &= m - 1;
                }
            }
            result[i] = found;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector5(byte* image, uint* records, int stride, int count, int summaryWords, int* result)
    {
        int patternAt = summaryWords * 8;
        for (int i = 0; i < count; i++)
        {
            byte* r0 = image + records[i];
            byte* r1 = image + records[stride + i];
            byte* r2 = image + records[2 * stride + i];
            byte* r3 = image + records[3 * stride + i];
            byte* r4 = image + records[4 * stride + i];
            int found = -1;
            for (int w = 0; w < summaryWords && found < 0; w++)
            {
                ulong m = ((ulong*)r0)[w] & ((ulong*)r1)[w] & ((ulong*)r2)[w] & ((ulong*)r3)[w] & ((ulong*)r4)[w];
                while (m != 0)
                {
                    int chunk = (w << 6) + BitOperations.TrailingZeroCount(m);
                    int at = patternAt + chunk * 4;
                    var v = Vector512.Load((ulong*)(image + *(uint*)(r0 + at)))
                        & Vector512.Load((ulong*)(image + *(uint*)(r1 + at)))
                        & Vector512.Load((ulong*)(image + *(uint*)(r2 + at)))
                        & Vector512.Load((ulong*)(image + *(uint*)(r3 + at)))
                        & Vector512.Load((ulong*)(image + *(uint*)(r4 + at)));
                    if (v != Vector512<ulong>.Zero)
                    {
                        found = (chunk << 9) + FirstBit(v);
                        break;
                    }
                    m &= m - 1;
                }
            }
            result[i] = found;
        }
    }

    /// <summary>Both layouts at a vector width below 512 bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Match<TChunk>(byte* image, uint* records, int stride, int fields, int count, int summaryWords, int* result)
        where TChunk : struct, IChunkOps
    {
        int patternAt = summaryWords * 8;
        for (int i = 0; i < count; i++)
        {
            byte* r0 = image + records[i];
            byte* r1 = image + records[stride + i];
            byte* r2 = fields >= 3 ? image + records[2 * stride + i] : r1;
            byte* r3 = fields == 5 ? image + records[3 * stride + i] : r2;
            byte* r4 = fields == 5 ? image + records[4 * stride + i] : r2;
            int found = -1;
            for (int w = 0; w < summaryWords && found < 0; w++)
            {
                ulong m = ((ulong*)r0)[w] & ((ulong*)r1)[w] & ((ulong*)r2)[w] & ((ulong*)r3)[w] & ((ulong*)r4)[w];
                while (m != 0)
                {
                    int chunk = (w << 6) + BitOperations.TrailingZeroCount(m);
                    int at = patternAt + chunk * 4;
                    byte* p0 = image + *(uint*)(r0 + at);
                    byte* p1 = image + *(uint*)(r1 + at);
                    byte* p2 = image + *(uint*)(r2 + at);
                    int bit = fields == 2 ? TChunk.First2(p0, p1)
                        : fields == 3 ? TChunk.First3(p0, p1, p2)
                        : TChunk.First5(p0, p1, p2, image + *(uint*)(r3 + at), image + *(uint*)(r4 + at));
                    if (bit >= 0)
                    {
                        found = (chunk << 9) + bit;
                        break;
                    }
                    m &= m - 1;
                }
            }
            result[i] = found;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int FirstBit(Vector512<ulong> v)
    {
        uint lanes = (uint)(~Vector512.Equals(v, Vector512<ulong>.Zero)).ExtractMostSignificantBits();
        int lane = BitOperations.TrailingZeroCount(lanes);
        return (lane << 6) + BitOperations.TrailingZeroCount(v.GetElement(lane));
    }

    /// <summary>The portable path for every layout: <paramref name="fields"/> is 2, 3 or 5.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar(byte* image, uint* records, int stride, int fields, int count, int summaryWords, int* result)
    {
        int patternAt = summaryWords * 8;
        byte** r = stackalloc byte*[5];
        ulong** p = stackalloc ulong*[5];
        for (int i = 0; i < count; i++)
        {
            for (int f = 0; f < fields; f++) r[f] = image + records[f * stride + i];
            int found = -1;
            for (int w = 0; w < summaryWords && found < 0; w++)
            {
                ulong m = ~0UL;
                for (int f = 0; f < fields; f++) m &= ((ulong*)r[f])[w];
                while (m != 0 && found < 0)
                {
                    int chunk = (w << 6) + BitOperations.TrailingZeroCount(m);
                    int at = patternAt + chunk * 4;
                    for (int f = 0; f < fields; f++) p[f] = (ulong*)(image + *(uint*)(r[f] + at));
                    for (int k = 0; k < 8; k++)
                    {
                        ulong word = ~0UL;
                        for (int f = 0; f < fields; f++) word &= p[f][k];
                        if (word != 0)
                        {
                            found = (chunk << 9) + (k << 6) + BitOperations.TrailingZeroCount(word);
                            break;
                        }
                    }
                    m &= m - 1;
                }
            }
            result[i] = found;
        }
    }
}
