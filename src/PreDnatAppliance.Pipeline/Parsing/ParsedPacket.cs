using System.Globalization;
using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Parsing;

/// <summary>
/// One packet's row of a <see cref="ParsedBurst"/>, copied out: for tests, tracing and the replay tool (the
/// data path reads the side arrays directly).
/// </summary>
public readonly record struct ParsedPacket(
    PacketFlags Flags,
    ushort EtherType,
    ushort VlanId,
    ushort InnerVlanId,
    ushort L3Offset,
    ushort L3Length,
    ushort L4Offset,
    byte IpVersion,
    byte Protocol,
    uint SrcV4,
    uint DstV4,
    ulong SrcV6High,
    ulong SrcV6Low,
    ulong DstV6High,
    ulong DstV6Low,
    ushort SrcPort,
    ushort DstPort,
    byte IcmpType,
    byte IcmpCode,
    byte TcpFlags,
    FlowKey Flow,
    FlowKey EmbeddedFlow,
    ushort EmbeddedL3Offset,
    ushort EmbeddedL4Offset,
    ushort ArpOpcode,
    ulong ArpSenderMac,
    uint ArpSenderIp,
    ulong ArpTargetMac,
    uint ArpTargetIp)
{
    public override string ToString()
    {
        var s = (Flags & PacketFlags.Arp) != 0
            ? FormattableString.Invariant($"arp op {ArpOpcode} {V4(ArpSenderIp)} -> {V4(ArpTargetIp)}")
            : Flow.ToString();
        if (IcmpType != 0 || IcmpCode != 0 || Protocol is 1 or 58)
            s += FormattableString.Invariant($" icmp {IcmpType}/{IcmpCode}");
        if ((Flags & PacketFlags.IcmpError) != 0)
            s += " about [" + EmbeddedFlow + "]";
        if (Flags != PacketFlags.None)
            s += " (" + Flags + ")";
        return s;
    }

    private static string V4(uint a) =>
        string.Create(CultureInfo.InvariantCulture, $"{a >> 24}.{(a >> 16) & 0xFF}.{(a >> 8) & 0xFF}.{a & 0xFF}");
}
