using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Parsing;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>
/// The parse stage stores plain IPv4 TCP/UDP frames without the general parser (<c>ParseStage.TryStorePlainIpv4</c>):
/// for fuzzed frames (seeds, truncations, byte flips) the stage's verdict and row must equal what the general parser
/// alone makes of the same bytes.
/// </summary>
public unsafe class PlainIpv4FastPathTests
{
    [Fact]
    public void Stage_rows_equal_the_general_parsers_for_fuzzed_frames()
    {
        var fuzzer = new FrameFuzzer(FuzzSettings.Seed(20261122));
        var frames = new List<byte[]>();
        var buffer = new byte[FrameFuzzer.MaxFrame];
        for (long k = 0; k < fuzzer.TruncationFrames + 200_000; k++)
            frames.Add(buffer.AsSpan(0, fuzzer.Frame(k, buffer)).ToArray());

        using var harness = new ParseHarness();
        var outcomes = harness.Run(frames);
        var plain = 0;
        for (var k = 0; k < frames.Count; k++)
        {
            if (outcomes[k].Reason == DropReason.MultiSegment)
                continue; // the offline pool chains what does not fit one mbuf: the stage drops it before parsing
            var (reason, expected) = General(frames[k]);
            Assert.Equal(reason, outcomes[k].Reason);
            if (reason != DropReason.None)
                continue;
            Assert.Equal(expected, outcomes[k].Row);
            if (expected.IpVersion == 4 && expected.Flags == PacketFlags.None && expected.Protocol is Protocols.Tcp or Protocols.Udp)
                plain++;
        }
        Assert.True(plain > 2000, $"only {plain} plain IPv4 TCP/UDP frames in the corpus");
    }

    /// <summary>The general parser's result as the stage stores it (IPv4 addresses in the V4 fields, the rest zero).</summary>
    private static (DropReason, ParsedPacket) General(byte[] frame)
    {
        PacketInfo r;
        DropReason reason;
        fixed (byte* p = frame)
            reason = PacketParser<CheckedReads>.Parse(p, frame.Length, out r);
        if (reason != DropReason.None)
            return (reason, default);
        var v6 = r.IpVersion == 6;
        var flow = v6 ? new FlowKey(6, r.SrcHigh, r.SrcLow, r.DstHigh, r.DstLow, r.Protocol, r.FlowSrcPort, r.FlowDstPort)
            : r.IpVersion == 4 ? FlowKey.V4((uint)r.SrcLow, (uint)r.DstLow, r.Protocol, r.FlowSrcPort, r.FlowDstPort) : default;
        return (reason, new ParsedPacket(r.Flags, r.EtherType, r.VlanId, r.InnerVlanId, r.L3Offset, r.L3Length, r.L4Offset,
            r.IpVersion, r.Protocol, v6 ? 0 : (uint)r.SrcLow, v6 ? 0 : (uint)r.DstLow,
            v6 ? r.SrcHigh : 0, v6 ? r.SrcLow : 0, v6 ? r.DstHigh : 0, v6 ? r.DstLow : 0,
            r.SrcPort, r.DstPort, r.IcmpType, r.IcmpCode, r.TcpFlags, flow, r.Embedded,
            r.EmbeddedL3Offset, r.EmbeddedL4Offset, r.ArpOpcode, r.ArpSenderMac, r.ArpSenderIp, r.ArpTargetMac, r.ArpTargetIp));
    }
}
