using System.Runtime.InteropServices;

namespace PreDnatAppliance.Pipeline.Runtime;

/// <summary>
/// Zeroed native memory for a table that every packet touches at random (the conntrack entries and index, a worker's flow
/// index and forwarding slots): from 256 KiB on, 2 MiB aligned and advised to the kernel as transparent huge pages (<c>MADV_HUGEPAGE</c>),
/// so that the table sits in a few TLB entries instead of one per 4 KiB page. Under a hypervisor a TLB miss walks two
/// page tables; with 4 KiB pages the established-flow path missed the TLB about once per packet. Where the kernel has
/// THP off the advice is ignored and the memory is ordinary. Freed by <see cref="Dispose"/> or, failing that, the finalizer.
/// </summary>
public sealed unsafe partial class HugePageBlock : IDisposable
{
    public const int HugePage = 2 << 20;

    /// <summary>Smaller blocks (a disabled cache, a test's small table) are not worth rounding up to a huge page.</summary>
    public const int MinimumForHugePages = 256 << 10;

    private const int MadvHugePage = 14;

    private void* _pointer;

    public HugePageBlock(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        if (bytes < MinimumForHugePages)
        {
            Length = bytes;
            _pointer = NativeMemory.AlignedAlloc((nuint)Length, 128);
        }
        else
        {
            Length = (bytes + HugePage - 1) / HugePage * HugePage;
            _pointer = NativeMemory.AlignedAlloc((nuint)Length, HugePage);
            // Advice only: where THP is off it is ignored (or refused) and the memory is ordinary.
            HugePagesAdvised = OperatingSystem.IsLinux() && madvise(_pointer, (nuint)Length, MadvHugePage) == 0;
        }
        NativeMemory.Clear(_pointer, (nuint)Length);
    }

    /// <summary>Bytes allocated (from <see cref="MinimumForHugePages"/> on, the request rounded up to whole huge pages).</summary>
    public long Length { get; }

    /// <summary>The kernel took the huge page advice for this block.</summary>
    public bool HugePagesAdvised { get; }

    public void* Pointer => _pointer != null ? _pointer : throw new ObjectDisposedException(nameof(HugePageBlock));

    public void Dispose()
    {
        Free();
        GC.SuppressFinalize(this);
    }

    ~HugePageBlock() => Free();

    private void Free()
    {
        var p = _pointer;
        _pointer = null;
        if (p != null)
            NativeMemory.AlignedFree(p);
    }

    [LibraryImport("libc", SetLastError = true)]
    private static partial int madvise(void* address, nuint length, int advice);
}
