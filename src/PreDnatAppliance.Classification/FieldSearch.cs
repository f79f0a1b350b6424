using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification;

/// <summary>
/// Stage 1: per field, every packet of a block gets the class-map value of its
/// interval (a class record offset, or its part of a cross-table index). The
/// strategy and tree depth are fixed per field at build time and dispatched once
/// per block, so the per-packet code is straight-line: a tree level is one
/// node count (with Vector512: one 64-byte compare with the load folded in, a
/// mask move and a popcount) and the child index arithmetic. Generic over the
/// input width, so byte and ushort fields need no widening copy, and over the
/// node counter, so every vector width and the scalar path walk the same code.
/// </summary>
internal static unsafe class FieldSearch
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Lookup<T, TCounter>(byte* image, byte* field, T* values, uint* output, int count)
        where T : unmanaged, IBinaryInteger<T>
        where TCounter : struct, INodeCounter<TCounter>
    {
        uint strategy = *(uint*)(field + TableFormat.FieldStrategy);
        if (strategy != TableFormat.StrategyTree)
        {
            NonTree(image, field, strategy, values, output, count);
            return;
        }
        int levels = (int)*(uint*)(field + TableFormat.FieldLevelCount);
        uint* levelOffsets = (uint*)(field + TableFormat.FieldLevelOffsets);
        uint* classMap = (uint*)(image + *(uint*)(field + TableFormat.FieldClassMapOffset));
        byte* l0 = image + levelOffsets[0];
        switch (levels)
        {
            case 1:
                for (int i = 0; i < count; i++)
                {
                    var x = TCounter.For(uint.CreateTruncating(values[i]));
                    output[i] = classMap[x.Below(l0)];
                }
                break;
            // o is the byte offset of the node within its level: o * 17 + c * 64 is the child's,
            // and at the leaf level o / 4 + c is the interval (16 four-byte keys per node).
            case 2:
            {
                byte* l1 = image + levelOffsets[1];
                for (int i = 0; i < count; i++)
                {
                    var x = TCounter.For(uint.CreateTruncating(values[i]));
                    uint o = x.Below(l0) * TableFormat.NodeBytes;
                    output[i] = classMap[(o >> 2) + x.Below(l1 + o)];
                }
                break;
            }
            case 3:
            {
                byte* l1 = image + levelOffsets[1];
                byte* l2 = image + levelOffsets[2];
                for (int i = 0; i < count; i++)
                {
                    var x = TCounter.For(uint.CreateTruncating(values[i]));
                    uint o = x.Below(l0) * TableFormat.NodeBytes;
                    o = o * TableFormat.Fanout + x.Below(l1 + o) * TableFormat.NodeBytes;
                    output[i] = classMap[(o >> 2) + x.Below(l2 + o)];
                }
                break;
            }
            case 4:
            {
                byte* l1 = image + levelOffsets[1];
                byte* l2 = image + levelOffsets[2];
                byte* l3 = image + levelOffsets[3];
                for (int i = 0; i < count; i++)
                {
                    var x = TCounter.For(uint.CreateTruncating(values[i]));
                    uint o = x.Below(l0) * TableFormat.NodeBytes;
                    o = o * TableFormat.Fanout + x.Below(l1 + o) * TableFormat.NodeBytes;
                    o = o * TableFormat.Fanout + x.Below(l2 + o) * TableFormat.NodeBytes;
                    output[i] = classMap[(o >> 2) + x.Below(l3 + o)];
                }
                break;
            }
            default:
                for (int i = 0; i < count; i++)
                {
                    var x = TCounter.For(uint.CreateTruncating(values[i]));
                    uint k = 0;
                    for (int l = 0; l < levels - 1; l++) k = k * TableFormat.Fanout + x.Below(image + levelOffsets[l] + k * TableFormat.NodeBytes);
                    k = k * TableFormat.NodeKeys + x.Below(image + levelOffsets[levels - 1] + k * TableFormat.NodeBytes);
                    output[i] = classMap[k];
                }
                break;
        }
    }

    /// <summary>Direct tables and constant fields: the same code serves both paths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NonTree<T>(byte* image, byte* field, uint strategy, T* values, uint* output, int count)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (strategy == TableFormat.StrategyConstant)
        {
            uint value = *(uint*)(image + *(uint*)(field + TableFormat.FieldClassMapOffset));
            for (int i = 0; i < count; i++) output[i] = value;
            return;
        }
        byte* table = image + *(uint*)(field + TableFormat.FieldDirectOffset);
        if (strategy == TableFormat.StrategyDirect16)
        {
            ushort* direct16 = (ushort*)table;
            for (int i = 0; i < count; i++) output[i] = direct16[uint.CreateTruncating(values[i])];
            return;
        }
        uint* direct = (uint*)table;
        for (int i = 0; i < count; i++) output[i] = direct[uint.CreateTruncating(values[i])];
    }
}
