using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PreDnatAppliance.Dataplane.Interop;

/// <summary>
/// DPDK functions that the Debian 22.11 libraries export as real symbols (checked with <c>nm -D</c>), called
/// directly. Only inline and macro-only functions go through <see cref="Shim"/>. Signatures are blittable:
/// pointers, integers, no marshalling.
/// </summary>
internal static unsafe partial class Dpdk
{
    internal const string Eal = "librte_eal.so.23";
    internal const string Mbuf = "librte_mbuf.so.23";
    internal const string Mempool = "librte_mempool.so.23";
    internal const string Ethdev = "librte_ethdev.so.23";
    internal const string Telemetry = "librte_telemetry.so.23";

    /// <summary>RTE_MAX_LCORE of the Debian build.</summary>
    internal const int MaxLcore = 128;
    /// <summary>RTE_MAX_ETHPORTS of the Debian build.</summary>
    internal const int MaxEthPorts = 32;
    /// <summary>RTE_MBUF_DEFAULT_BUF_SIZE: 2048 bytes of data room plus RTE_PKTMBUF_HEADROOM (128).</summary>
    internal const ushort MbufDefaultBufSize = 2048 + 128;
    /// <summary>RTE_MEMPOOL_CACHE_MAX_SIZE.</summary>
    internal const int MempoolCacheMaxSize = 512;
    /// <summary>SOCKET_ID_ANY.</summary>
    internal const int SocketIdAny = -1;

    // ---- EAL -----------------------------------------------------------------------------------------

    [LibraryImport(Eal)]
    internal static partial int rte_eal_init(int argc, byte** argv);

    [LibraryImport(Eal)]
    internal static partial int rte_eal_cleanup();

    /// <summary><c>int rte_eal_remote_launch(lcore_function_t *f, void *arg, unsigned worker_id)</c></summary>
    [LibraryImport(Eal)]
    internal static partial int rte_eal_remote_launch(delegate* unmanaged[Cdecl]<void*, int> f, void* arg, uint workerId);

    /// <summary>Waits for a worker lcore to finish its function; returns the function's return value.</summary>
    [LibraryImport(Eal)]
    internal static partial int rte_eal_wait_lcore(uint workerId);

    [LibraryImport(Eal)]
    internal static partial uint rte_lcore_count();

    [LibraryImport(Eal)]
    internal static partial int rte_socket_id();

    [LibraryImport(Eal)]
    internal static partial int rte_lcore_to_socket_id(uint lcoreId);

    [LibraryImport(Eal)]
    internal static partial byte* rte_strerror(int errnum);

    // ---- mempool / mbuf -------------------------------------------------------------------------------

    [LibraryImport(Mbuf)]
    internal static partial nint rte_pktmbuf_pool_create(byte* name, uint n, uint cacheSize, ushort privSize, ushort dataRoomSize, int socketId);

    /// <summary>Frees a bulk of (possibly chained) mbufs; exported, so no shim.</summary>
    [LibraryImport(Mbuf), SuppressGCTransition]
    internal static partial void rte_pktmbuf_free_bulk(nint* mbufs, uint count);

    [LibraryImport(Mempool)]
    internal static partial uint rte_mempool_avail_count(nint pool);

    [LibraryImport(Mempool)]
    internal static partial uint rte_mempool_in_use_count(nint pool);

    [LibraryImport(Mempool)]
    internal static partial void rte_mempool_free(nint pool);

    // ---- ethdev ---------------------------------------------------------------------------------------

    [LibraryImport(Ethdev)]
    internal static partial ushort rte_eth_dev_count_avail();

    [LibraryImport(Ethdev)]
    internal static partial int rte_eth_dev_get_port_by_name(byte* name, ushort* portId);

    [LibraryImport(Ethdev)]
    internal static partial int rte_eth_dev_socket_id(ushort portId);

    [LibraryImport(Ethdev)]
    internal static partial int rte_eth_dev_stop(ushort portId);

    [LibraryImport(Ethdev)]
    internal static partial int rte_eth_dev_close(ushort portId);

    [LibraryImport(Ethdev)]
    internal static partial int rte_eth_stats_reset(ushort portId);

    // ---- helpers --------------------------------------------------------------------------------------

    internal static int Errno => Shim.pda_errno();

    internal static string StrError(int errnum) => Marshal.PtrToStringUTF8((nint)rte_strerror(Math.Abs(errnum))) ?? $"error {errnum}";

    /// <summary>A NUL-terminated UTF-8 copy of <paramref name="s"/> in native memory (freed by the caller).</summary>
    internal static byte* Utf8(string s) => (byte*)Marshal.StringToCoTaskMemUTF8(s);
}
