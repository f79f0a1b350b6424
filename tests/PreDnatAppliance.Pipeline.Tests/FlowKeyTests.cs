using PreDnatAppliance.Pipeline.Flows;

namespace PreDnatAppliance.Pipeline.Tests;

public class FlowKeyTests
{
    [Fact]
    public void Reversing_twice_gives_the_same_key_and_reversal_swaps_ends()
    {
        var key = FlowKey.V4(0x0A000001, 0xC000020A, 6, 40000, 30080);
        Assert.Equal(key, key.Reversed().Reversed());
        Assert.NotEqual(key, key.Reversed());
        Assert.Equal(key.SourcePort, key.Reversed().DestinationPort);
        Assert.Equal("6 10.0.0.1:40000 -> 192.0.2.10:30080", key.ToString());
    }

    [Fact]
    public void Families_never_compare_equal()
    {
        var v4 = FlowKey.V4(1, 2, 17, 3, 4);
        var v6 = new FlowKey(6, 0, 1, 0, 2, 17, 3, 4);
        Assert.NotEqual(v4, v6);
        Assert.NotEqual(v4.Hash64(), v6.Hash64());
    }

    [Fact]
    public void Nat_rewrite_applies_dnat_then_snat()
    {
        var key = FlowKey.V4(0x0A000001, 0xC000020A, 6, 40000, 30080);
        var nat = new NatRewrite(NatKind.Dnat | NatKind.Snat, 0, 0x0AF40107, 8080, 0, 0xC000020A, 61000, 3);
        var seen = nat.Apply(key);
        Assert.Equal(FlowKey.V4(0xC000020A, 0x0AF40107, 6, 61000, 8080), seen);
    }

    [Fact]
    public void Every_port_bit_reaches_the_high_half_of_the_hash()
    {
        // Maglev takes its slot from the high 32 bits: one client's connections (consecutive source ports) must spread.
        var key = FlowKey.V4(0xCB007105, 0xC000020A, 6, 50000, 30080);
        for (var bit = 0; bit < 16; bit++)
        {
            var flipped = FlowKey.V4(0xCB007105, 0xC000020A, 6, (ushort)(50000 ^ (1 << bit)), 30080);
            Assert.NotEqual(key.Hash64() >> 32, flipped.Hash64() >> 32);
            var other = FlowKey.V4(0xCB007105, 0xC000020A, 6, 50000, (ushort)(30080 ^ (1 << bit)));
            Assert.NotEqual(key.Hash64() >> 32, other.Hash64() >> 32);
        }
        var slots = Enumerable.Range(0, 64).Select(i => (FlowKey.V4(0xCB007105, 0xC000020A, 6, (ushort)(50000 + i), 30080).Hash64() >> 32) * 2 >> 32).ToList();
        Assert.InRange(slots.Count(s => s == 0), 16, 48);
    }
}
