using PreDnatAppliance.Policy.Net;

namespace PreDnatAppliance.Policy.Tests;

public class NetTests
{
    [Theory]
    [InlineData("10.0.0.1", true)]
    [InlineData("010.0.0.1", false)]
    [InlineData("256.0.0.1", false)]
    [InlineData("1.2.3", false)]
    [InlineData("2001:db8::1", true)]
    [InlineData("fe80::1%eth0", false)]
    [InlineData("", false)]
    public void Parses_addresses_strictly(string text, bool valid) =>
        Assert.Equal(valid, IpAddress.TryParse(text, out _));

    [Fact]
    public void Cidr_clears_host_bits_and_contains()
    {
        var cidr = Cidr.Parse("10.1.2.3/16");
        Assert.Equal("10.1.0.0/16", cidr.ToString());
        Assert.True(cidr.Contains(IpAddress.Parse("10.1.255.255")));
        Assert.False(cidr.Contains(IpAddress.Parse("10.2.0.0")));
        Assert.False(cidr.Contains(IpAddress.Parse("::ffff:10.1.0.1")));
        var v6 = Cidr.Parse("2001:db8::/33");
        Assert.True(v6.Contains(IpAddress.Parse("2001:db8:7fff::1")));
        Assert.False(v6.Contains(IpAddress.Parse("2001:db8:8000::1")));
        Assert.Equal("2001:db8::1/128", Cidr.Parse("2001:db8::1").ToString());
        Assert.True(Cidr.Parse("::/0").Contains(IpAddress.Parse("::1")));
    }

    [Theory]
    [InlineData("80", true, false)]
    [InlineData("1000:2000", true, false)]
    [InlineData("2000:1000", false, false)]
    [InlineData("65536", false, false)]
    [InlineData("https-np", true, true)]
    [InlineData("bad name", false, false)]
    public void Classifies_port_items(string text, bool valid, bool named)
    {
        Assert.Equal(valid, PortSpec.TryParse(text, out var spec, out _));
        if (valid)
            Assert.Equal(named, spec.IsNamed);
    }
}
