using PreDnatAppliance.Tests.Shared;
using FsCheck.Fluent;
using PreDnatAppliance.Pipeline.Routing;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Pipeline.Tests.Services;
using Xunit.Abstractions;

namespace PreDnatAppliance.Pipeline.Tests.Routing;

/// <summary>
/// The scaling lookups (<see cref="PrefixTable"/> = IPv4 16-8-8 trie + IPv6 per-length hashes, <see cref="RouteTable"/>,
/// <see cref="AddressSet"/>) against the linear reference, on random overlapping prefix sets of both families.
/// </summary>
public sealed class PrefixTableTests
{
    private readonly ITestOutputHelper _output;

    public PrefixTableTests(ITestOutputHelper output) => _output = output;

    private static IpPrefix P(string text) => IpPrefix.Parse(text);

    private static (byte, ulong, ulong) A(string text)
    {
        var a = ServiceAddress.Parse(text);
        return (a.Version, a.High, a.Low);
    }

    private static int Lookup(PrefixTable t, string address)
    {
        var (v, h, l) = A(address);
        return t.Lookup(v, h, l);
    }

    [Fact]
    public void The_longest_prefix_wins_and_among_equal_prefixes_the_first_listed()
    {
        var table = new PrefixTable(new[]
        {
            (P("0.0.0.0/0"), 0), (P("10.0.0.0/8"), 1), (P("10.1.0.0/16"), 2), (P("10.1.2.0/24"), 3), (P("10.1.2.128/25"), 4),
            (P("10.1.2.200/32"), 5), (P("10.1.0.0/16"), 6), (P("10.0.0.0/15"), 7),
            (P("2001:db8::/32"), 10), (P("2001:db8:1::/48"), 11), (P("2001:db8:1::5/128"), 12), (P("2001:db8::/32"), 13),
        });
        Assert.Equal(0, Lookup(table, "192.0.2.1"));
        Assert.Equal(7, Lookup(table, "10.0.5.5"));
        Assert.Equal(2, Lookup(table, "10.1.9.9"));      // the first /16 listed, not the later equal one
        Assert.Equal(3, Lookup(table, "10.1.2.127"));
        Assert.Equal(4, Lookup(table, "10.1.2.128"));
        Assert.Equal(5, Lookup(table, "10.1.2.200"));
        Assert.Equal(4, Lookup(table, "10.1.2.201"));
        Assert.Equal(1, Lookup(table, "10.2.0.0"));
        Assert.Equal(10, Lookup(table, "2001:db8:2::1"));
        Assert.Equal(11, Lookup(table, "2001:db8:1::6"));
        Assert.Equal(12, Lookup(table, "2001:db8:1::5"));
        Assert.Equal(-1, Lookup(table, "2001:db9::1"));
        Assert.Equal(-1, new PrefixTable(Array.Empty<(IpPrefix, int)>()).Lookup(4, 0, 1));
    }

    [Fact]
    public void Host_addresses_are_found_by_hashing_in_both_families()
    {
        var set = new AddressSet(new[] { "192.0.2.10", "10.240.0.10", "2001:db8::10", "192.0.2.10" }.Select(ServiceAddress.Parse));
        foreach (var a in new[] { "192.0.2.10", "10.240.0.10", "2001:db8::10" })
        {
            var (v, h, l) = A(a);
            Assert.True(set.Contains(v, h, l), a);
        }
        foreach (var a in new[] { "192.0.2.11", "0.0.0.0", "2001:db8::11", "::c000:20a" })
        {
            var (v, h, l) = A(a);
            Assert.False(set.Contains(v, h, l), a);
        }
    }

    /// <summary>A random prefix set clustered around a few bases (so that prefixes nest and repeat), and probe addresses at their edges.</summary>
    private static (List<(IpPrefix Prefix, int Value)> Prefixes, List<(byte V, ulong H, ulong L)> Probes) RandomCase(int seed, int count)
    {
        var random = new Random(seed);
        ulong Next64() => (ulong)random.NextInt64() ^ ((ulong)random.Next(2) << 63);
        var bases4 = Enumerable.Range(0, 3).Select(_ => (ulong)(uint)random.Next() | (ulong)random.Next(2) << 31).ToArray();
        var bases6 = Enumerable.Range(0, 3).Select(_ => (Next64(), Next64())).ToArray();
        var prefixes = new List<(IpPrefix, int)>();
        var probes = new List<(byte, ulong, ulong)>();
        for (var i = 0; i < count; i++)
        {
            if (random.Next(2) == 0)
            {
                var length = random.Next(4) == 0 ? random.Next(0, 33) : random.Next(14, 33);
                var address = (bases4[random.Next(bases4.Length)] ^ (uint)random.Next(1 << random.Next(1, 20))) & 0xFFFFFFFF;
                var prefix = new IpPrefix(4, 0, address, length);
                prefixes.Add((prefix, random.Next(1000)));
                var last = prefix.Low | (~prefix.MaskLow & 0xFFFFFFFF);
                probes.Add((4, 0, prefix.Low));
                probes.Add((4, 0, last));
                probes.Add((4, 0, (last + 1) & 0xFFFFFFFF));
                probes.Add((4, 0, (prefix.Low - 1) & 0xFFFFFFFF));
                probes.Add((4, 0, address ^ (uint)random.Next(256)));
            }
            else
            {
                var length = random.Next(4) == 0 ? random.Next(0, 129) : random.Next(40, 129);
                var (bh, bl) = bases6[random.Next(bases6.Length)];
                var flip = random.Next(0, 128);
                var high = flip < 64 ? bh ^ (1UL << flip) : bh;
                var low = flip >= 64 ? bl ^ (1UL << (flip - 64)) : bl;
                var prefix = new IpPrefix(6, high, low, length);
                prefixes.Add((prefix, random.Next(1000)));
                probes.Add((6, prefix.High, prefix.Low));
                probes.Add((6, prefix.High | ~prefix.MaskHigh, prefix.Low | ~prefix.MaskLow));
                probes.Add((6, high, low ^ (ulong)random.Next(256)));
            }
        }
        for (var i = 0; i < 20; i++)
        {
            probes.Add((4, 0, (uint)random.Next() ^ (uint)random.Next(2) << 31));
            probes.Add((6, Next64(), Next64()));
        }
        return (prefixes, probes);
    }

    [Fact]
    public void Prefix_table_and_route_table_agree_with_the_linear_reference()
    {
        var gen = Gen.Choose(0, int.MaxValue).SelectMany(seed => Gen.Choose(0, 120).Select(count => (seed, count)));
        PropertyCheck.Run(_output, "prefix-table-vs-linear", gen.ToArbitrary(), c =>
        {
            var (prefixes, probes) = RandomCase(c.seed, c.count);
            var table = new PrefixTable(prefixes);
            var reference = new LinearRoutes(prefixes);
            var routes = new RouteTable(prefixes.Select(p => new Route(p.Prefix, p.Value, p.Value % 2 == 0, (ulong)p.Value, (ulong)p.Value + 1)));
            var hosts = new AddressSet(prefixes.Select(p => new ServiceAddress(p.Prefix.Version, p.Prefix.High, p.Prefix.Low)));
            foreach (var (v, h, l) in probes)
            {
                var expected = reference.Lookup(v, h, l);
                var actual = table.Lookup(v, h, l);
                Assert.True(expected == actual, $"seed {c.seed} count {c.count}: {new ServiceAddress(v, h, l)} expected {expected}, got {actual}");
                Assert.Equal(expected >= 0, routes.Lookup(v, h, l, out var port, out var nh, out var nl));
                if (expected >= 0)
                {
                    Assert.Equal(expected, port);
                    Assert.Equal(expected % 2 == 0 ? ((ulong)expected, (ulong)expected + 1) : (h, l), (nh, nl));
                }
                var isNetwork = prefixes.Any(p => p.Prefix.Version == v && p.Prefix.High == h && p.Prefix.Low == l);
                Assert.Equal(isNetwork, hosts.Contains(v, h, l));
            }
        }, cases: 150);
    }

    [Fact]
    public void A_lookup_allocates_nothing()
    {
        var (prefixes, probes) = RandomCase(7, 200);
        var table = new PrefixTable(prefixes);
        var routes = new RouteTable(prefixes.Select(p => new Route(p.Prefix, p.Value, false, 0, 0)));
        var probeArray = probes.ToArray();
        var sum = 0L;
        foreach (var (v, h, l) in probeArray)
            sum += table.Lookup(v, h, l);
        var allocated = Allocations.Settled(() =>
        {
            for (var round = 0; round < 10; round++)
                foreach (var (v, h, l) in probeArray)
                {
                    sum += table.Lookup(v, h, l);
                    if (routes.Lookup(v, h, l, out var port, out _, out _))
                        sum += port;
                }
        });
        Assert.Equal(0, allocated);
        Assert.NotEqual(long.MinValue, sum);
    }
}
