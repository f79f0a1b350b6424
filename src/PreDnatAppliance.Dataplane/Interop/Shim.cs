using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace PreDnatAppliance.Dataplane.Interop;

/// <summary>
/// Bindings of native/libpda_shim.so (native/pda_shim.h): the inline and macro-only DPDK functions. The burst
/// calls are <see cref="SuppressGCTransitionAttribute"/>: they are short, never block and never call back, so
/// the per-burst cost is a plain call.
/// </summary>
internal static unsafe partial class Shim
{
    internal const string Library = "pda_shim";
    internal const uint AbiVersion = 1;

    [LibraryImport(Library)]
    internal static partial uint pda_shim_abi_version();

    [LibraryImport(Library)]
    internal static partial int pda_errno();

    // ---- fast path ------------------------------------------------------------------------------------

    [LibraryImport(Library), SuppressGCTransition]
    internal static partial ushort pda_rx_burst(ushort port, ushort queue, nint* pkts, ushort n);

    [LibraryImport(Library), SuppressGCTransition]
    internal static partial ushort pda_tx_burst(ushort port, ushort queue, nint* pkts, ushort n);

    [LibraryImport(Library), SuppressGCTransition]
    internal static partial int pda_pktmbuf_alloc_bulk(nint pool, nint* pkts, uint n);

    // ---- mbuf access ----------------------------------------------------------------------------------

    [LibraryImport(Library)]
    internal static partial byte* pda_mbuf_data(nint m);

    [LibraryImport(Library)]
    internal static partial ushort pda_mbuf_data_len(nint m);

    [LibraryImport(Library)]
    internal static partial uint pda_mbuf_pkt_len(nint m);

    [LibraryImport(Library)]
    internal static partial int pda_mbuf_set_len(nint m, ushort len);

    [LibraryImport(Library)]
    internal static partial void pda_mbuf_layout(PdaMbufLayout* layout);

    // ---- ports ----------------------------------------------------------------------------------------

    internal const uint PortPromiscuous = 0x1;
    internal const uint PortRss = 0x2;
    internal const uint PortFastFree = 0x4;

    [LibraryImport(Library)]
    internal static partial int pda_port_init(ushort port, PdaPortConfig* config, nint pool, PdaPortInfo* info, byte** step);

    [LibraryImport(Library)]
    internal static partial int pda_port_stats(ushort port, PortStats* stats);

    internal const int XstatNameSize = 64;

    [LibraryImport(Library)]
    internal static partial int pda_port_xstats_count(ushort port);

    [LibraryImport(Library)]
    internal static partial int pda_port_xstats(ushort port, ulong* values, byte* names, uint n);

    [LibraryImport(Library)]
    internal static partial int pda_link_status(ushort port, PdaLink* link);
}

/// <summary>Mirror of <c>struct pda_mbuf_layout</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PdaMbufLayout
{
    public uint Size, BufAddr, DataOff, Refcnt, NbSegs, Port, OlFlags, PacketType, PktLen, DataLen, VlanTci, Hash, BufLen, Pool, Next, Headroom, CacheLineSize;
}

/// <summary>Mirror of <c>struct pda_port_config</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PdaPortConfig
{
    public ushort RxQueues, TxQueues, RxDescriptors, TxDescriptors;
    public uint Flags;
    public uint Mtu;
}

/// <summary>Mirror of <c>struct pda_port_info</c> (128 bytes).</summary>
[StructLayout(LayoutKind.Sequential, Size = 128)]
internal unsafe struct PdaPortInfo
{
    public ushort RxQueues, TxQueues, RxDescriptors, TxDescriptors;
    public ulong RssHf;
    public int SocketId;
    public fixed byte Mac[6];
    public byte Promiscuous;
    public byte FastFree;
    public ushort MaxRxQueues, MaxTxQueues;
    public fixed byte Driver[32];
    public fixed byte Name[64];
}

/// <summary>Mirror of <c>struct pda_port_stats</c>: <c>rte_eth_stats</c> without the per-queue arrays.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PortStats
{
    public ulong RxPackets, TxPackets, RxBytes, TxBytes, RxMissed, RxErrors, TxErrors, RxNoMbuf;
}

/// <summary>Mirror of <c>struct pda_link</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct PdaLink
{
    public uint SpeedMbps;
    public byte Up, FullDuplex, Autoneg, Reserved;
}

internal static unsafe class FixedText
{
    internal static string Read(byte* p, int max)
    {
        var n = 0;
        while (n < max && p[n] != 0) n++;
        return System.Text.Encoding.UTF8.GetString(p, n);
    }
}
