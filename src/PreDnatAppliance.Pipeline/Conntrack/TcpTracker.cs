using System.Runtime.CompilerServices;

namespace PreDnatAppliance.Pipeline.Conntrack;

/// <summary>
/// nf_conntrack's TCP state table (net/netfilter/nf_conntrack_proto_tcp.c, <c>tcp_conntracks</c>), without the
/// window tracking: the state a packet moves the flow to, by direction, packet class and current state.
/// </summary>
internal static class TcpTracker
{
    public const byte FlagFin = 0x01, FlagSyn = 0x02, FlagRst = 0x04, FlagAck = 0x10;

    /// <summary>Packet classes, in Linux's order (get_conntrack_index).</summary>
    public const int Syn = 0, SynAck = 1, Fin = 2, Ack = 3, Rst = 4, NoneSet = 5;

    /// <summary>Table values beyond the states: invalid and ignore (sIV, sIG).</summary>
    public const byte Iv = 10, Ig = 11;

    private const byte NO = 0, SS = 1, SR = 2, ES = 3, FW = 4, CW = 5, LA = 6, TW = 7, CL = 8, S2 = 9;

    // [direction][class][state]; states in the columns: sNO, sSS, sSR, sES, sFW, sCW, sLA, sTW, sCL, sS2.
    private static ReadOnlySpan<byte> Table =>
    [
        // ORIGINAL
        /* syn    */ SS, SS, Ig, Ig, Ig, Ig, Ig, SS, SS, S2,
        /* synack */ Iv, Iv, Ig, Ig, Ig, Ig, Ig, Ig, Ig, SR,
        /* fin    */ Iv, Iv, FW, FW, LA, LA, LA, TW, CL, Iv,
        /* ack    */ ES, Iv, ES, ES, CW, CW, TW, TW, CL, Iv,
        /* rst    */ Iv, CL, CL, CL, CL, CL, CL, CL, CL, CL,
        /* none   */ Iv, Iv, Iv, Iv, Iv, Iv, Iv, Iv, Iv, Iv,
        // REPLY
        /* syn    */ Iv, S2, Iv, Iv, Iv, Iv, Iv, SS, Iv, S2,
        /* synack */ Iv, SR, Ig, Ig, Ig, Ig, Ig, Ig, Ig, SR,
        /* fin    */ Iv, Iv, FW, FW, LA, LA, LA, TW, CL, Iv,
        /* ack    */ Iv, Ig, SR, ES, CW, CW, TW, TW, CL, Ig,
        /* rst    */ Iv, CL, CL, CL, CL, CL, CL, CL, CL, CL,
        /* none   */ Iv, Iv, Iv, Iv, Iv, Iv, Iv, Iv, Iv, Iv,
    ];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Class(byte flags)
    {
        if ((flags & FlagRst) != 0) return Rst;
        if ((flags & FlagSyn) != 0) return (flags & FlagAck) != 0 ? SynAck : Syn;
        if ((flags & FlagFin) != 0) return Fin;
        if ((flags & FlagAck) != 0) return Ack;
        return NoneSet;
    }

    /// <summary>The next state, or <see cref="Iv"/> / <see cref="Ig"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static byte Next(int direction, int packetClass, int state) => Table[(direction * 6 + packetClass) * 10 + state];

    /// <summary>
    /// The appliance's one departure from the table: a SYN (without ACK) that finds an entry in ESTABLISHED or a
    /// closing state is a new connection reusing the tuple (or a peer that lost its state), so policy runs again
    /// (Calico eBPF's "forcing policy on SYN"; Linux itself reopens from TIME_WAIT/CLOSE). A SYN in SYN_SENT/SYN_RECV
    /// is a retransmission and keeps the entry, so the retry reaches the backend the first SYN was sent to.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsStaleForSyn(int state) => state >= ES && state <= CL;

    /// <summary>States in which an assured flow may still be evicted under pressure (Linux's tcp_can_early_drop).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool CanEarlyDrop(int state) => state >= FW && state <= CL;
}
