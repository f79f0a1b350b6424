using PreDnatAppliance.Pipeline.Parsing;
using static PreDnatAppliance.Pipeline.Tests.Parsing.Pkt;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>The parser flags IPv6 Neighbor Solicitations and Advertisements (and nothing else) for the out stage.</summary>
public sealed class NeighbourDiscoveryParseTests
{
    [Theory]
    [InlineData(135, true)]
    [InlineData(136, true)]
    [InlineData(128, false)]   // echo request
    [InlineData(133, false)]   // router solicitation: not handled, so not flagged
    [InlineData(134, false)]
    public void Only_neighbor_solicitations_and_advertisements_are_flagged(byte type, bool flagged)
    {
        var p = ParseHarness.Kept(Eth(0x86DD, Ipv6("2001:db8::1", "ff02::1:ff00:10", 58, Icmp(type, 0, body: new byte[16]))));
        Assert.Equal(flagged, (p.Flags & PacketFlags.NeighbourDiscovery) != 0);
        Assert.Equal(type, p.IcmpType);
    }

    [Fact]
    public void ICMP_type_135_over_IPv4_is_not_neighbour_discovery()
    {
        var p = ParseHarness.Kept(Eth(0x0800, Ipv4(V4("10.0.0.1"), V4("10.0.0.2"), 1, Icmp(135, 0, body: new byte[16]))));
        Assert.Equal(PacketFlags.None, p.Flags & PacketFlags.NeighbourDiscovery);
    }
}
