using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;
using static PreDnatAppliance.Pipeline.Tests.Conntrack.CtKit;

namespace PreDnatAppliance.Pipeline.Tests.Conntrack;

public class ConntrackCapacityTests
{
    private static FlowKey Source(int i, ushort dport = 30080) => Tcp(Ip(100, 64, 0, 0) + (uint)i, (ushort)(1024 + i % 50000), Node, dport);

    /// <summary>An assured flow: SYN committed, SYN-ACK, ACK.</summary>
    private static void Establish(ConntrackWorker w, FlowKey flow, NatRewrite nat, long now)
    {
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(flow, nat, Syn, now, out _));
        Assert.Equal(CtVerdict.Established, w.Lookup(ReplyKey(flow, nat), SynAck, now).Verdict);
        Assert.Equal(CtVerdict.Established, w.Lookup(flow, Ack, now).Verdict);
    }

    [Fact]
    public void Under_pressure_unassured_flows_are_evicted_oldest_first_and_assured_ones_never()
    {
        const int capacity = 64;
        using var table = Table(capacity, window: capacity);
        var w = table.CreateWorker();
        var nat = Dnat(Backend1);
        for (var i = 0; i < 32; i++)
            Establish(w, Source(i), nat, T0);
        for (var i = 32; i < 64; i++) // half-open flows, the older the smaller i
            Assert.Equal(CtCommitStatus.Inserted, w.Commit(Source(i), nat, Syn, T0 + Sec(i), out _));
        Assert.Equal(capacity, table.CountLive());

        for (var k = 0; k < 32; k++)
        {
            Assert.Equal(CtCommitStatus.Inserted, w.Commit(Source(1000 + k), nat, Syn, T0 + Sec(100 + k), out _));
            Assert.Null(table.Find(Source(32 + k), out _));              // the oldest half-open one went
            if (k < 31)
                Assert.NotNull(table.Find(Source(33 + k), out _));
            Assert.Equal(capacity, table.CountLive());
        }
        // Now every entry is either assured or one of the newer half-open flows: those go next, oldest first.
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(Source(2000), nat, Syn, T0 + Sec(200), out _));
        Assert.Null(table.Find(Source(1000), out _));
        for (var i = 0; i < 32; i++)
            Assert.Equal(CtVerdict.Established, w.Lookup(Source(i), Ack, T0 + Sec(201)).Verdict);
        Assert.Equal(32UL + 1, table.Stats.Evicted);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void When_only_assured_flows_remain_new_flows_are_refused_and_counted()
    {
        const int capacity = 64;
        using var table = Table(capacity, window: capacity);
        var w = table.CreateWorker();
        var nat = Dnat(Backend1);
        for (var i = 0; i < capacity; i++)
            Establish(w, Source(i), nat, T0);
        for (var k = 0; k < 10; k++)
            Assert.Equal(CtCommitStatus.Full, w.Commit(Source(5000 + k), nat, Syn, T0 + Sec(1), out _));
        Assert.Equal(10UL, table.Stats.Full);
        Assert.Equal(capacity, table.CountLive());
        // A closing assured flow is evictable (Linux's early_drop for TCP in FIN_WAIT..CLOSE).
        Assert.Equal(CtVerdict.Established, w.Lookup(Source(7), FinAck, T0 + Sec(2)).Verdict);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(Source(6000), nat, Syn, T0 + Sec(3), out _));
        Assert.Null(table.Find(Source(7), out _));
    }

    [Fact]
    public void Expired_entries_are_reused_before_anything_live_is_evicted()
    {
        const int capacity = 16;
        using var table = Table(capacity, window: capacity);
        var w = table.CreateWorker();
        var nat = Dnat(Backend1);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(Udp(Client, 1, Node, 53), default, 0, T0, out _)); // expires at +30 s
        for (var i = 1; i < capacity; i++)
            Assert.Equal(CtCommitStatus.Inserted, w.Commit(Source(i), nat, Syn, T0 + Sec(40), out _));
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(Source(100), nat, Syn, T0 + Sec(41), out _));
        Assert.Null(table.Find(Udp(Client, 1, Node, 53), out _));
        for (var i = 1; i < capacity; i++)
            Assert.NotNull(table.Find(Source(i), out _));
        Assert.Equal(1UL, table.Stats.Expired);
        Assert.Equal(0UL, table.Stats.Evicted);
    }

    [Fact]
    public void Capacity_is_never_exceeded_and_the_index_stays_consistent_under_random_churn()
    {
        const int capacity = 500;
        using var table = Table(capacity, window: 8);
        var w = table.CreateWorker();
        var rng = new Random(7);
        var now = T0;
        for (var step = 0; step < 20_000; step++)
        {
            now += rng.Next(0, 50);
            var i = rng.Next(0, 3000);
            var flow = Source(i);
            var nat = (i & 1) == 0 ? Dnat(Backend1) : DnatSnat(Backend2, (ushort)(20000 + i));
            var op = rng.Next(0, 10);
            byte flags = op switch { < 4 => Syn, < 6 => Ack, 6 => FinAck, 7 => Rst, _ => SynAck };
            var key = op == 9 ? ReplyKey(flow, nat) : flow;
            var r = w.Lookup(key, flags, now);
            if (r.Verdict == CtVerdict.New && op != 9)
                w.Commit(flow, nat, flags, now, out _);
            else if (r.Verdict == CtVerdict.ReEvaluate)
                w.Commit(key, nat, flags, now, out _, replace: true);
            if (step % 100 == 0)
                w.Sweep(now);
            if (step % 2000 == 0)
                Assert.InRange(table.CountLive(), 0, capacity);
        }
        Assert.InRange(table.CountLive(), 1, capacity);
        Assert.Equal(table.CountLive(), table.Count);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void Removing_a_backend_purges_its_udp_flows_only()
    {
        using var table = Table();
        var w = table.CreateWorker();
        for (var i = 0; i < 20; i++)
        {
            w.Commit(Udp(Client, (ushort)(1000 + i), Node, 30053), Dnat(Backend1, 53), 0, T0, out _);
            w.Commit(Udp(Client, (ushort)(2000 + i), Node, 30053), Dnat(Backend2, 53), 0, T0, out _);
            w.Commit(Tcp(Client, (ushort)(3000 + i), Node, 30053), Dnat(Backend1, 53), Syn, T0, out _);
        }
        Assert.Equal(20, table.PurgeBackend(17, 4, 0, Backend1, 53));
        Assert.Equal(40, table.CountLive());
        Assert.Null(table.Find(Udp(Client, 1000, Node, 30053), out _));
        Assert.NotNull(table.Find(Udp(Client, 2000, Node, 30053), out _));
        Assert.NotNull(table.Find(Tcp(Client, 3000, Node, 30053), out _));
        // The next packet of a purged flow is new again (and would pick a live backend).
        Assert.Equal(CtVerdict.New, w.Lookup(Udp(Client, 1000, Node, 30053), 0, T0 + 1).Verdict);

        Assert.Equal(20, table.Purge(e => e.Protocol == 6));
        Assert.Equal(20, table.CountLive());
        Assert.Equal(40UL, table.Stats.Purged);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void Memory_is_fixed_at_construction_and_reported_per_flow()
    {
        using var table = new ConntrackTable(new ConntrackOptions { Capacity = 100_000, HashSeed = 3 });
        Assert.Equal(table.MemoryBytes / (double)table.Capacity, table.BytesPerFlow);
        Assert.InRange(table.BytesPerFlow, 128 + 32, 128 + 40); // entry + index at load 0.5 + bucket locks
    }
}
