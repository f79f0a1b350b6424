using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Services;
using static PreDnatAppliance.Pipeline.Tests.Services.ServiceFixtures;

namespace PreDnatAppliance.Pipeline.Tests.Services;

public class AffinityTests
{
    // Timestamps in seconds, to keep the arithmetic readable.
    private static readonly ServiceTableOptions Seconds = new() { TicksPerSecond = 1 };

    private static ServiceTable Build(int backends, int timeout = 60, ServiceTable? previous = null) =>
        ServiceTableBuilder.Build(
            Catalog("aff", Remote(backends), affinity: SessionAffinity.ClientIP, timeoutSeconds: timeout),
            NodeA, Seconds, previous);

    private static FlowKey From(uint client, ushort port) => FlowKey.V4(client, V4("192.0.2.10"), Tcp, port, 30100);

    private static ulong Backend(ServiceTable table, FlowKey flow, long now, AffinityTable? affinity) =>
        table.Lookup(flow, now, affinity).Nat.DstLow;

    [Fact]
    public void Client_ip_affinity_hashes_only_the_client_so_every_worker_agrees_without_state()
    {
        var table = Build(8);
        var workerA = new AffinityTable(256);
        var workerB = new AffinityTable(256);
        var random = new Random(20);
        for (var c = 0; c < 300; c++)
        {
            var client = (uint)random.Next() | 1u << 24;
            var first = Backend(table, From(client, 1000), 0, null);
            for (ushort port = 1001; port < 1020; port++)
            {
                Assert.Equal(first, Backend(table, From(client, port), 0, null));
                Assert.Equal(first, Backend(table, From(client, port), 0, workerA));
                Assert.Equal(first, Backend(table, From(client, (ushort)(port + 7)), 5, workerB));
            }
        }
        // And clients do spread over the backends.
        var spread = Enumerable.Range(0, 2000).Select(i => Backend(table, From(0x0B000000u + (uint)i * 977, 1), 0, null)).Distinct().Count();
        Assert.Equal(8, spread);
    }

    /// <summary>A client whose Maglev choice differs between the two tables.</summary>
    private static FlowKey MovedClient(ServiceTable a, ServiceTable b)
    {
        for (uint c = 0x0C000001; ; c += 7919)
        {
            var flow = From(c, 1234);
            if (Backend(a, flow, 0, null) != Backend(b, flow, 0, null))
                return flow;
        }
    }

    [Fact]
    public void Affinity_keeps_a_client_on_its_backend_across_a_reload_until_the_timeout()
    {
        var before = Build(4);
        var after = Build(5, previous: before); // a new backend takes some clients over
        var flow = MovedClient(before, after);
        var affinity = new AffinityTable(1024);

        var original = Backend(before, flow, 1000, affinity);
        // Within the timeout the client stays, and each new connection refreshes the entry (kube-proxy's behaviour).
        Assert.Equal(original, Backend(after, flow, 1050, affinity));
        Assert.Equal(original, Backend(after, flow.WithSource(flow.SrcHigh, flow.SrcLow, 999), 1100, affinity));
        Assert.Equal(original, Backend(after, flow, 1160, affinity));
        // 61 s of silence: expired, Maglev chooses again.
        var fresh = Backend(after, flow, 1221, affinity);
        Assert.NotEqual(original, fresh);
        Assert.Equal(Backend(after, flow, 0, null), fresh);
        // The new choice is now the remembered one.
        Assert.Equal(fresh, Backend(after, flow, 1230, affinity));
    }

    [Fact]
    public void Without_an_affinity_table_the_new_backend_set_decides_at_once()
    {
        var before = Build(4);
        var after = Build(5, previous: before);
        var flow = MovedClient(before, after);
        Assert.NotEqual(Backend(before, flow, 0, null), Backend(after, flow, 0, null));
    }

    [Fact]
    public void A_removed_backend_is_replaced_immediately()
    {
        var endpoints = Remote(4).ToList();
        var before = ServiceTableBuilder.Build(Catalog("aff", endpoints, affinity: SessionAffinity.ClientIP, timeoutSeconds: 600), NodeA, Seconds);
        var affinity = new AffinityTable(1024);
        var flow = From(0x0D000001, 1);
        var original = Backend(before, flow, 10, affinity);
        var remaining = endpoints.Where(e => (ulong)V4(e.Item1) != original).ToList();
        var after = ServiceTableBuilder.Build(Catalog("aff", remaining, affinity: SessionAffinity.ClientIP, timeoutSeconds: 600), NodeA, Seconds, before);
        var replacement = Backend(after, flow, 11, affinity);
        Assert.NotEqual(original, replacement);
        Assert.Contains(remaining, e => V4(e.Item1) == replacement);
    }

    [Fact]
    public void Entries_are_per_service_port_and_per_client()
    {
        var table = Build(6);
        var affinity = new AffinityTable(1024);
        for (var c = 0u; c < 50; c++)
            table.Lookup(From(0x0E000000 + c, 1), 0, affinity);
        Assert.Equal(50, affinity.Count);
        for (var c = 0u; c < 50; c++)
            table.Lookup(From(0x0E000000 + c, 2), 1, affinity); // same clients: same entries
        Assert.Equal(50, affinity.Count);
        // Services without affinity leave the table alone.
        var fixture = FixtureTable();
        fixture.Lookup(Flow("203.0.113.5", 1, "192.0.2.10", 30080), 0, affinity);
        Assert.Equal(50, affinity.Count);
        // One client, two service ports (dns over UDP and TCP): two entries.
        fixture.Lookup(Flow("203.0.113.5", 1, "10.96.0.10", 53, Udp), 0, affinity);
        fixture.Lookup(Flow("203.0.113.5", 1, "10.96.0.10", 53, Tcp), 0, affinity);
        fixture.Lookup(Flow("203.0.113.5", 2, "198.51.100.53", 53, Udp), 0, affinity); // same service port, other frontend
        Assert.Equal(52, affinity.Count);
    }

    [Fact]
    public void The_table_has_a_fixed_capacity_and_evicts_the_oldest()
    {
        var table = Build(3);
        var affinity = new AffinityTable(64);
        Assert.Equal(64, affinity.Capacity);
        for (var c = 0u; c < 10000; c++)
            table.Lookup(From(0x0F000000 + c * 13, 1), c, affinity);
        Assert.Equal(64, affinity.Capacity);
        Assert.InRange(affinity.Count, 60, 64);
        affinity.Clear();
        Assert.Equal(0, affinity.Count);
    }

    [Fact]
    public void Default_timeout_is_three_hours_in_stopwatch_ticks()
    {
        var catalog = Catalog("aff", Remote(4), affinity: SessionAffinity.ClientIP);
        Assert.Equal(10800, catalog.Services[0].AffinityTimeoutSeconds);
        var before = ServiceTableBuilder.Build(catalog, NodeA);
        var after = ServiceTableBuilder.Build(Catalog("aff", Remote(5), affinity: SessionAffinity.ClientIP), NodeA, previous: before);
        var flow = MovedClient(before, after);
        var affinity = new AffinityTable(64);
        var f = System.Diagnostics.Stopwatch.Frequency;
        var original = Backend(before, flow, 0, affinity);
        Assert.Equal(original, Backend(after, flow, 10800 * f, affinity));
        Assert.NotEqual(original, Backend(after, flow, 2 * 10800 * f + 1, affinity));
    }
}
