using System.Runtime.CompilerServices;
using PreDnatAppliance.Dataplane.Interop;

namespace PreDnatAppliance.Pipeline.Packets;

/// <summary>Writes to a single-segment mbuf through the fixed <see cref="MbufLayout"/> offsets (DPDK's and the offline pool's alike).</summary>
public static unsafe class MbufEdit
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort BufLen(nint m) => *(ushort*)(m + MbufLayout.BufLen);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort DataOff(nint m) => *(ushort*)(m + MbufLayout.DataOff);

    /// <summary>Bytes available after the frame in the buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Tailroom(nint m) => BufLen(m) - DataOff(m) - Mbuf.DataLen(m);

    /// <summary>Sets the frame length (single segment: <c>data_len</c> and <c>pkt_len</c>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetLength(nint m, int length)
    {
        *(ushort*)(m + MbufLayout.DataLen) = (ushort)length;
        *(uint*)(m + MbufLayout.PktLen) = (uint)length;
    }
}
