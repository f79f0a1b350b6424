using System.Runtime.CompilerServices;

namespace PreDnatAppliance.Dataplane.Interop;

/// <summary>
/// Offsets of the <c>struct rte_mbuf</c> fields the data path reads, for DPDK 22.11 as Debian builds it
/// (<c>RTE_IOVA_AS_PA=1</c>). native/pda_shim.c pins the same numbers with <c>_Static_assert</c>, and
/// MbufLayoutTests compares these constants with <c>pda_mbuf_layout()</c> at run time, so a DPDK that
/// moves a field fails the build or the tests, never the packets.
/// </summary>
public static class MbufLayout
{
    public const int Size = 128;
    public const int BufAddr = 0;
    public const int DataOff = 16;
    public const int Refcnt = 18;
    public const int NbSegs = 20;
    public const int Port = 22;
    public const int OlFlags = 24;
    public const int PacketType = 32;
    public const int PktLen = 36;
    public const int DataLen = 40;
    public const int VlanTci = 42;
    public const int Hash = 44;
    public const int BufLen = 54;
    public const int Pool = 56;
    public const int Next = 64;
    public const int Headroom = 128;
    public const int CacheLineSize = 64;
}

/// <summary>Reads of an mbuf through the fixed offsets: no call, no allocation.</summary>
public static unsafe class Mbuf
{
    /// <summary>First byte of packet data (<c>rte_pktmbuf_mtod</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte* Data(nint m) => *(byte**)(m + MbufLayout.BufAddr) + *(ushort*)(m + MbufLayout.DataOff);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static uint PktLen(nint m) => *(uint*)(m + MbufLayout.PktLen);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort DataLen(nint m) => *(ushort*)(m + MbufLayout.DataLen);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort Port(nint m) => *(ushort*)(m + MbufLayout.Port);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort NbSegs(nint m) => *(ushort*)(m + MbufLayout.NbSegs);

    /// <summary>The first segment's bytes.</summary>
    public static ReadOnlySpan<byte> FirstSegment(nint m) => new(Data(m), DataLen(m));
}
