using System.Runtime.InteropServices;

namespace PreDnatAppliance.Dataplane.Interop;

internal static unsafe partial class Libc
{
    /// <summary>cpu_set_t: 1024 bits.</summary>
    internal const int CpuSetSize = 128;

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int sched_getaffinity(int pid, nuint size, byte* mask);

    [LibraryImport("libc", SetLastError = true)]
    internal static partial int sched_setaffinity(int pid, nuint size, byte* mask);

    [LibraryImport("libc")]
    internal static partial int getpid();
}
