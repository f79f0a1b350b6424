using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification;

/// <summary>
/// Stage 1: per field, every packet of a block gets the class-map value of its
/// interval (a class record offset, or its part of a cross-table index). The
/// strategy is chosen per field at build time and dispatched once per block; in
/// a tree every packet takes the same number of levels, so the loop has no
/// data-dependent branches and the loads of neighbouring packets overlap.
/// </summary>
internal static unsafe class FieldSearch
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Vector(byte* image, byte* field, uint* values, uint* output, int count)
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
        byte* leaf = image + levelOffsets[levels - 1];
        int internalLevels = levels - 1;
        for (int i = 0; i < count; i++)
        {
            var x = Vector512.Create(values[i]);
            uint k = 0;
            for (int l = 0; l < internalLevels; l++)
            {
                var keys = Vector512.Load((uint*)(image + levelOffsets[l] + k * TableFormat.NodeBytes));
                uint below = (uint)BitOperations.PopCount(Vector512.LessThan(keys, x).ExtractMostSignificantBits());
                k = k * TableFormat.Fanout + below;
            }
            var leafKeys = Vector512.Load((uint*)(leaf + k * TableFormat.NodeBytes));
            uint c = (uint)BitOperations.PopCount(Vector512.LessThan(leafKeys, x).ExtractMostSignificantBits());
            output[i] = classMap[k * TableFormat.NodeKeys + c];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scalar(byte* image, byte* field, uint* values, uint* output, int count)
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
        for (int i = 0; i < count; i++)
        {
            uint x = values[i];
            uint k = 0;
            for (int l = 0; l < levels; l++)
            {
                uint* keys = (uint*)(image + levelOffsets[l] + k * TableFormat.NodeBytes);
                uint below = 0;
                for (int j = 0; j < TableFormat.NodeKeys; j++) below += keys[j] < x ? 1u : 0u;
                k = l == levels - 1 ? k * TableFormat.NodeKeys + below : k * TableFormat.Fanout + below;
            }
            output[i] = classMap[k];
        }
    }

    /// <summary>Direct tables and constant fields: the same code serves both paths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NonTree(byte* image, byte* field, uint strategy, uint* values, uint* output, int count)
    {
        if (strategy == TableFormat.StrategyConstant)
        {
            uint value = *(uint*)(image + *(uint*)(field + TableFormat.FieldClassMapOffset));
            for (int i = 0; i < count; i++) output[i] = value;
            return;
        }
        uint* direct = (uint*)(image + *(uint*)(field + TableFormat.FieldDirectOffset));
        for (int i = 0; i < count; i++) output[i] = direct[values[i]];
    }
}
