using FsCheck.Fluent;
using PreDnatAppliance.Pipeline.Packets;
using PreDnatAppliance.Pipeline.Tests.Services;
using Xunit.Abstractions;

namespace PreDnatAppliance.Pipeline.Tests.Packets;

/// <summary>
/// The established-flow fast path updates checksums as they lie in the frame, with deltas swapped in advance
/// (<see cref="Checksum.WireDelta"/>): the bytes must be exactly those of the big-endian update (<see cref="Checksum.ApplyAt"/>,
/// <see cref="Checksum.ApplyUdpAt"/>), both zeros of one's complement included.
/// </summary>
public unsafe class WireChecksumTests(ITestOutputHelper output)
{
    private static readonly ushort[] Edges = [0x0000, 0x0001, 0x00FF, 0x0100, 0x7FFF, 0x8000, 0xFEFF, 0xFF00, 0xFFFE, 0xFFFF];

    [Fact]
    public void Wire_order_updates_write_the_same_bytes_as_big_endian_ones()
    {
        var gen = Gen.Choose(0, 0xFFFF).SelectMany(c => Gen.Choose(0, 9).SelectMany(e =>
            Gen.Choose(0, int.MaxValue).Select(d => (Checksum: (ushort)c, Edge: e, Delta: (ulong)(uint)d * (uint)(d | 1)))));
        PropertyCheck.Run(output, "wire-checksum", gen.ToArbitrary(), c =>
        {
            foreach (var checksum in new[] { c.Checksum, Edges[c.Edge] })
                foreach (var delta in new ulong[] { c.Delta, Edges[c.Edge], 0xFFFF, 0xFEFF, 0x1FFFE, c.Delta + 0xFEFF })
                    Same(checksum, delta);
        }, 2000);
    }

    [Fact]
    public void Every_checksum_against_the_edge_deltas()
    {
        for (var checksum = 0; checksum <= 0xFFFF; checksum++)
            foreach (var delta in Edges)
                Same((ushort)checksum, delta);
    }

    private static void Same(ushort checksum, ulong delta)
    {
        if (delta == 0)
            return; // callers skip a zero delta (nothing changed)
        byte* expected = stackalloc byte[2], actual = stackalloc byte[2];
        Checksum.Put16(expected, checksum);
        Checksum.Put16(actual, checksum);
        Checksum.ApplyAt(expected, delta);
        Checksum.ApplyWireAt(actual, Checksum.WireDelta(delta));
        Assert.True(expected[0] == actual[0] && expected[1] == actual[1], $"checksum {checksum:X4} delta {delta:X}: {expected[0]:X2}{expected[1]:X2} expected, {actual[0]:X2}{actual[1]:X2} written");
        Checksum.Put16(expected, checksum);
        Checksum.Put16(actual, checksum);
        Checksum.ApplyUdpAt(expected, delta, ipv4: true);
        Checksum.ApplyUdpWireAt(actual, Checksum.WireDelta(delta));
        Assert.True(expected[0] == actual[0] && expected[1] == actual[1], $"UDP checksum {checksum:X4} delta {delta:X}: {expected[0]:X2}{expected[1]:X2} expected, {actual[0]:X2}{actual[1]:X2} written");
    }
}
