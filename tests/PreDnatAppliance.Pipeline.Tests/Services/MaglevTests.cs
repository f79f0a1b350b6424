using FsCheck;
using FsCheck.Fluent;
using PreDnatAppliance.Pipeline.Services;
using Xunit.Abstractions;
using static PreDnatAppliance.Pipeline.Tests.Services.ServiceFixtures;

namespace PreDnatAppliance.Pipeline.Tests.Services;

public class MaglevTests
{
    // Bounds on Maglev's disruption. Removing one of N backends moves its 1/N share plus a small fraction of the
    // survivors' flows: the round-robin fill order changes for the backends after the removed one, so a few of
    // their contested slots change hands. Measured exhaustively over the table slots for N = 2..64 and every
    // removed backend: at most 1.6% of surviving flows move (M = 16381 or 65537), growing slowly with N.
    // The bounds leave room for that and for sampling noise on 20,000 flows. Adding a backend is symmetric.
    private const double RemovalSlack = 0.03;
    private const double SurvivorMoveBound = 0.03;

    private readonly ITestOutputHelper _output;

    public MaglevTests(ITestOutputHelper output) => _output = output;

    private static (ServiceAddress, ushort)[] Backends(int n, int salt = 0) =>
        Enumerable.Range(0, n)
            .Select(i => (ServiceAddress.V4(0x0A010000u + (uint)(i * 7 + salt * 1000)), (ushort)8080))
            .OrderBy(b => b.Item1).ThenBy(b => b.Item2)
            .ToArray();

    private static ulong[] Hashes(int count, int seed)
    {
        var random = new Random(seed);
        var hashes = new ulong[count];
        for (var i = 0; i < count; i++)
            hashes[i] = (ulong)random.NextInt64() ^ ((ulong)random.Next() << 63);
        return hashes;
    }

    [Fact]
    public void Table_size_is_a_prime_with_at_least_100_slots_per_backend()
    {
        Assert.Equal(16381, Maglev.TableSize(1));
        Assert.Equal(16381, Maglev.TableSize(163));
        var big = Maglev.TableSize(164);
        Assert.True(big >= 16400 && Maglev.IsPrime(big));
        Assert.Equal(65537, Maglev.TableSize(600, 65537));
        Assert.Equal(251, Maglev.TableSize(2, 251));
        Assert.Equal(Maglev.NextPrime(1000), Maglev.TableSize(10, 251));
        Assert.Throws<ArgumentOutOfRangeException>(() => Maglev.Build(Backends(3), 65536));
    }

    [Fact]
    public void Every_backend_gets_an_equal_share_of_slots()
    {
        foreach (var n in new[] { 2, 3, 7, 50, 300 })
        {
            var table = Maglev.Build(Backends(n), Maglev.DefaultTableSize);
            var counts = new int[n];
            foreach (var b in table)
                counts[b]++;
            // Backends claim one slot per round in turn, so shares differ by at most one slot.
            Assert.True(counts.Max() - counts.Min() <= 1, $"n={n}: {counts.Min()}..{counts.Max()}");
        }
    }

    [Fact]
    public void Same_backend_set_gives_the_same_table_whatever_the_input_order()
    {
        // Two builds of the same endpoints listed in different orders (and split over slices differently).
        var endpoints = Remote(40).ToList();
        var a = ServiceTableBuilder.Build(Catalog("m", endpoints), NodeA);
        var shuffled = endpoints.OrderBy(e => new string(e.Item1.Reverse().ToArray()), StringComparer.Ordinal).ToList();
        var b = ServiceTableBuilder.Build(new ServiceCatalog
        {
            Services = new[] { Service("m") },
            EndpointSlices = new[]
            {
                Slice("m", shuffled.Take(15), sliceName: "m-z"),
                Slice("m", shuffled.Skip(15), sliceName: "m-a"),
            },
        }, NodeA);
        foreach (var flow in RandomFlows(20000, 12))
            Assert.Equal(a.Lookup(flow, 0, null).Nat, b.Lookup(flow, 0, null).Nat);

        // And Maglev.Build itself is a pure function of its input.
        Assert.Equal(Maglev.Build(Backends(9), 4099), Maglev.Build(Backends(9), 4099));
    }

    [Fact]
    public void Removing_one_of_n_backends_moves_about_one_nth_of_flows()
    {
        var gen = Gen.Choose(2, 64).SelectMany(n => Gen.Choose(0, n - 1).Select(victim => (n, victim)));
        double worstExtra = 0, worstSurvivor = 0;
        var worstCase = (0, 0);
        PropertyCheck.Run(_output, "maglev-remove-one", gen.ToArbitrary(), c =>
        {
            var (n, victim) = c;
            var before = Backends(n, salt: n);
            var after = before.Where((_, i) => i != victim).ToArray();
            var t1 = Maglev.Build(before, Maglev.DefaultTableSize);
            var t2 = Maglev.Build(after, Maglev.DefaultTableSize);
            var hashes = Hashes(20000, n * 31 + victim);
            int changed = 0, onSurvivors = 0, survivorsMoved = 0;
            foreach (var h in hashes)
            {
                var b1 = before[Maglev.Pick(t1, h)];
                var b2 = after[Maglev.Pick(t2, h)];
                if (b1 != b2)
                    changed++;
                if (!b1.Equals(before[victim]))
                {
                    onSurvivors++;
                    if (b1 != b2)
                        survivorsMoved++;
                }
            }
            var fraction = (double)changed / hashes.Length;
            var survivorFraction = (double)survivorsMoved / onSurvivors;
            worstExtra = Math.Max(worstExtra, fraction - 1.0 / n);
            if (survivorFraction > worstSurvivor)
                (worstSurvivor, worstCase) = (survivorFraction, (n, victim));
            Assert.True(fraction <= 1.0 / n + RemovalSlack, $"n={n}: {fraction:P2} of flows changed backend (1/N = {1.0 / n:P2})");
            Assert.True(survivorFraction <= SurvivorMoveBound, $"n={n}: {survivorFraction:P2} of flows on surviving backends moved");
        }, cases: 40);
        _output.WriteLine($"worst excess over 1/N: {worstExtra:P3}; worst survivor move: {worstSurvivor:P3} (N={worstCase.Item1}, removed #{worstCase.Item2})");
    }

    [Fact]
    public void Adding_a_backend_moves_about_one_nth_of_flows_and_mostly_to_the_new_one()
    {
        var gen = Gen.Choose(1, 64);
        PropertyCheck.Run(_output, "maglev-add-one", gen.ToArbitrary(), n =>
        {
            var before = Backends(n, salt: n);
            var added = (ServiceAddress.V4(0x0B000000u + (uint)n), (ushort)8080);
            var after = before.Append(added).OrderBy(b => b.Item1).ToArray();
            var t1 = n == 1 ? null : Maglev.Build(before, Maglev.DefaultTableSize);
            var t2 = Maglev.Build(after, Maglev.DefaultTableSize);
            var hashes = Hashes(20000, n);
            int changed = 0, toNew = 0;
            foreach (var h in hashes)
            {
                var b1 = t1 is null ? before[0] : before[Maglev.Pick(t1, h)];
                var b2 = after[Maglev.Pick(t2, h)];
                if (b1 != b2)
                {
                    changed++;
                    if (b2 == added)
                        toNew++;
                }
            }
            var fraction = (double)changed / hashes.Length;
            var expected = 1.0 / (n + 1);
            Assert.True(fraction <= expected + RemovalSlack, $"n={n}: {fraction:P2} of flows changed backend (1/(N+1) = {expected:P2})");
            Assert.True(fraction >= expected - RemovalSlack, $"n={n}: only {fraction:P2} moved; the new backend gets too little");
            Assert.True(changed - toNew <= SurvivorMoveBound * hashes.Length, $"n={n}: {changed - toNew} flows moved between old backends");
        }, cases: 30);
    }

    [Fact]
    public void Removing_an_endpoint_from_the_service_table_moves_only_its_flows_mostly()
    {
        var endpoints = Remote(10).ToList();
        var before = ServiceTableBuilder.Build(Catalog("svc", endpoints), NodeA);
        var after = ServiceTableBuilder.Build(Catalog("svc", endpoints.Where((_, i) => i != 4)), NodeA, previous: before);
        var gone = (ulong)V4(endpoints[4].Item1);
        var flows = RandomFlows(30000, 13);
        var changed = flows.Count(f => before.Lookup(f, 0, null).Nat.DstLow != after.Lookup(f, 0, null).Nat.DstLow);
        var wereOnGone = flows.Count(f => before.Lookup(f, 0, null).Nat.DstLow == gone);
        Assert.InRange(wereOnGone, 2400, 3600);
        Assert.InRange(changed, wereOnGone, wereOnGone + flows.Length * SurvivorMoveBound);
        Assert.DoesNotContain(flows, f => after.Lookup(f, 0, null).Nat.DstLow == gone);
    }

    [Fact]
    public void Unchanged_backend_sets_reuse_the_previous_maglev_table()
    {
        var a = ServiceTableBuilder.Build(Catalog("svc", Remote(5)), NodeA);
        var b = ServiceTableBuilder.Build(Catalog("svc", Remote(5)), NodeA, previous: a);
        Assert.Same(Assert.Single(a.MaglevCache).Value, Assert.Single(b.MaglevCache).Value);
        var c = ServiceTableBuilder.Build(Catalog("svc", Remote(6)), NodeA, previous: b);
        Assert.NotSame(Assert.Single(b.MaglevCache).Value, Assert.Single(c.MaglevCache).Value);
    }
}
