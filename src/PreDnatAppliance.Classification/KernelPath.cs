using System.Runtime.Intrinsics;

namespace PreDnatAppliance.Classification;

/// <summary>Which implementation of the stages runs; all give identical answers.</summary>
public enum KernelPath
{
    Scalar,
    Vector128,
    Vector256,
    Vector512,
}

public static class KernelPaths
{
    /// <summary>The widest path this machine accelerates (Vector512 may be off on CPUs that throttle).</summary>
    public static KernelPath Best { get; } =
        Vector512.IsHardwareAccelerated ? KernelPath.Vector512
        : Vector256.IsHardwareAccelerated ? KernelPath.Vector256
        : Vector128.IsHardwareAccelerated ? KernelPath.Vector128
        : KernelPath.Scalar;

    public static bool IsAccelerated(KernelPath path) => path switch
    {
        KernelPath.Vector512 => Vector512.IsHardwareAccelerated,
        KernelPath.Vector256 => Vector256.IsHardwareAccelerated,
        KernelPath.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };
}
