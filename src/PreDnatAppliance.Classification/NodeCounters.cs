using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using PreDnatAppliance.ClassifierTables;

namespace PreDnatAppliance.Classification;

/// <summary>
/// Counts the keys of a 16-key search-tree node that are below x. One
/// implementation per vector width; the tree walk is generic over it, so every
/// path runs the same walk and the JIT specializes and inlines each counter.
/// </summary>
internal unsafe interface INodeCounter<TSelf> where TSelf : struct, INodeCounter<TSelf>
{
    static abstract TSelf For(uint x);

    uint Below(byte* node);
}

/// <summary>One 64-byte compare; written as x &gt; keys so the node load folds into it.</summary>
internal unsafe struct NodeCounter512 : INodeCounter<NodeCounter512>
{
    private Vector512<uint> _x;

    public static NodeCounter512 For(uint x) => new() { _x = Vector512.Create(x) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint Below(byte* node) =>
        (uint)BitOperations.PopCount(Vector512.GreaterThan(_x, Vector512.Load((uint*)node)).ExtractMostSignificantBits());
}

internal unsafe struct NodeCounter256 : INodeCounter<NodeCounter256>
{
    private Vector256<uint> _x;

    public static NodeCounter256 For(uint x) => new() { _x = Vector256.Create(x) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint Below(byte* node) =>
        (uint)BitOperations.PopCount(Vector256.GreaterThan(_x, Vector256.Load((uint*)node)).ExtractMostSignificantBits()
            | Vector256.GreaterThan(_x, Vector256.Load((uint*)(node + 32))).ExtractMostSignificantBits() << 8);
}

internal unsafe struct NodeCounter128 : INodeCounter<NodeCounter128>
{
    private Vector128<uint> _x;

    public static NodeCounter128 For(uint x) => new() { _x = Vector128.Create(x) };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint Below(byte* node) =>
        (uint)BitOperations.PopCount(Vector128.GreaterThan(_x, Vector128.Load((uint*)node)).ExtractMostSignificantBits()
            | Vector128.GreaterThan(_x, Vector128.Load((uint*)(node + 16))).ExtractMostSignificantBits() << 4
            | Vector128.GreaterThan(_x, Vector128.Load((uint*)(node + 32))).ExtractMostSignificantBits() << 8
            | Vector128.GreaterThan(_x, Vector128.Load((uint*)(node + 48))).ExtractMostSignificantBits() << 12);
}

internal unsafe struct NodeCounterScalar : INodeCounter<NodeCounterScalar>
{
    private uint _x;

    public static NodeCounterScalar For(uint x) => new() { _x = x };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly uint Below(byte* node)
    {
        uint* keys = (uint*)node;
        uint below = 0;
        for (int j = 0; j < TableFormat.NodeKeys; j++) below += keys[j] < _x ? 1u : 0u;
        return below;
    }
}
