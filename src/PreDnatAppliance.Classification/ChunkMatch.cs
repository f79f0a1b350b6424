using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;

namespace PreDnatAppliance.Classification;

/// <summary>
/// Stage 2: per packet, AND the five class summaries to find the chunks that
/// may hold a match, then AND the five 512-bit patterns of each candidate chunk
/// in priority order; the first non-zero AND holds the first matching rule.
/// </summary>
internal static unsafe class ChunkMatch
{
    /// <param name="records">Five rows of <paramref name="stride"/> record offsets, one row per field.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector(byte* image, uint* records, int stride, int count, int summaryWords, int* result)
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
                        uint lanes = (uint)(~Vector512.Equals(v, Vector512<ulong>.Zero)).ExtractMostSignificantBits();
                        int lane = BitOperations.TrailingZeroCount(lanes);
                        ulong word = v.GetElement(lane);
                        found = (chunk << 9) + (lane << 6) + BitOperations.TrailingZeroCount(word);
                        break;
                    }
                    m &= m - 1;
                }
            }
            result[i] = found;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar(byte* image, uint* records, int stride, int count, int summaryWords, int* result)
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
                while (m != 0 && found < 0)
                {
                    int chunk = (w << 6) + BitOperations.TrailingZeroCount(m);
                    int at = patternAt + chunk * 4;
                    ulong* p0 = (ulong*)(image + *(uint*)(r0 + at));
                    ulong* p1 = (ulong*)(image + *(uint*)(r1 + at));
                    ulong* p2 = (ulong*)(image + *(uint*)(r2 + at));
                    ulong* p3 = (ulong*)(image + *(uint*)(r3 + at));
                    ulong* p4 = (ulong*)(image + *(uint*)(r4 + at));
                    for (int k = 0; k < 8; k++)
                    {
                        ulong word = p0[k] & p1[k] & p2[k] & p3[k] & p4[k];
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
