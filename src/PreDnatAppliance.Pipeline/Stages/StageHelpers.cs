using System.Runtime.CompilerServices;
using PreDnatAppliance.Classification;

namespace PreDnatAppliance.Pipeline.Stages;

internal static class StageHelpers
{
    public const byte Tcp = 6, Udp = 17, Sctp = 132;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool HasPorts(byte protocol) => protocol is Tcp or Udp or Sctp;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Source(HeaderBatch h, int i, out byte version, out ulong high, out ulong low)
    {
        version = h.IpVersion[i];
        if (version == 6)
        {
            high = h.SrcV6High[i];
            low = h.SrcV6Low[i];
        }
        else
        {
            high = 0;
            low = h.SrcV4[i];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Destination(HeaderBatch h, int i, out byte version, out ulong high, out ulong low)
    {
        version = h.IpVersion[i];
        if (version == 6)
        {
            high = h.DstV6High[i];
            low = h.DstV6Low[i];
        }
        else
        {
            high = 0;
            low = h.DstV4[i];
        }
    }

    /// <summary>Sets the destination the later stages (routing, normal policy) see: the post-DNAT one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SetDestination(HeaderBatch h, int i, ulong high, ulong low, ushort port, bool setPort)
    {
        if (h.IpVersion[i] == 6)
        {
            h.DstV6High[i] = high;
            h.DstV6Low[i] = low;
        }
        else
            h.DstV4[i] = (uint)low;
        if (setPort)
            h.DstPort[i] = port;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TraceVerdict Verdict(PolicyVerdict v) => v switch
    {
        PolicyVerdict.Allow => TraceVerdict.Allow,
        PolicyVerdict.Deny => TraceVerdict.Deny,
        _ => TraceVerdict.Pass,
    };
}
