using System.Diagnostics;
using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;
using static PreDnatAppliance.Pipeline.Tests.Conntrack.CtKit;

namespace PreDnatAppliance.Pipeline.Tests.Conntrack;

public class ConntrackConcurrencyTests
{
    private static FlowKey FlowOf(int i) =>
        FlowKey.V4(Ip(100, 64, 0, 0) + (uint)i, Node, i % 5 == 0 ? (byte)17 : (byte)6, (ushort)(1024 + i % 60000), 30080);

    /// <summary>Each flow's NAT is a function of the flow, so any result carrying another flow's NAT is a bug.</summary>
    private static NatRewrite NatOf(int i) => DnatSnat(i % 2 == 0 ? Backend1 : Backend2, (ushort)(2000 + i % 60000), 8080, (ushort)(i % 7));

    [Fact]
    public void The_reply_direction_is_found_from_another_thread_than_the_one_that_inserted()
    {
        using var table = Table(capacity: 1 << 14);
        var inserter = table.CreateWorker();
        var replier = table.CreateWorker();
        const int flows = 5000;
        var failures = 0;
        var done = 0;
        var deadline = Stopwatch.StartNew();

        var replies = new Thread(() =>
        {
            for (var i = 0; i < flows && deadline.Elapsed < TimeSpan.FromSeconds(10); i++)
            {
                var reply = ReplyKey(FlowOf(i), NatOf(i));
                var flags = FlowOf(i).Protocol == 6 ? SynAck : (byte)0;
                CtResult r;
                while ((r = replier.Lookup(reply, flags, T0 + 1)).Verdict != CtVerdict.Established)
                {
                    if (deadline.Elapsed > TimeSpan.FromSeconds(10)) { Interlocked.Increment(ref failures); return; }
                    Thread.SpinWait(20);
                }
                if (r.Direction != CtDirection.Reply || !r.Nat.Equals(NatOf(i)))
                    Interlocked.Increment(ref failures);
                Interlocked.Increment(ref done);
            }
        });
        replies.Start();
        for (var i = 0; i < flows; i++)
        {
            var flags = FlowOf(i).Protocol == 6 ? Syn : (byte)0;
            Assert.Equal(CtCommitStatus.Inserted, inserter.Commit(FlowOf(i), NatOf(i), flags, T0, out _));
        }
        replies.Join();
        Assert.Equal(0, failures);
        Assert.Equal(flows, done);
        // The reply lcore saw the replies: the entries are marked so.
        Assert.Equal(CtStatus.SeenReply, table.Find(FlowOf(1), out _)!.Value.Status);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void Several_threads_inserting_looking_up_expiring_and_purging_keep_the_table_consistent()
    {
        const int capacity = 4096, flowSpace = 6000, threads = 3;
        using var table = new ConntrackTable(new ConntrackOptions
        {
            Capacity = capacity, TicksPerSecond = TicksPerSecond, HashSeed = 99, SweepPeriodSeconds = 5, EvictionWindow = 16,
        });
        var clock = Stopwatch.StartNew();
        long Now() => T0 + clock.ElapsedTicks * 200 * TicksPerSecond / Stopwatch.Frequency; // 200 simulated s per real s: timeouts fire
        var runFor = TimeSpan.FromSeconds(1.5);
        var wrongNat = 0;
        var errors = new List<Exception>();
        long totalOps = 0;

        void Worker(int seed)
        {
            try
            {
                var w = table.CreateWorker();
                var rng = new Random(seed);
                var keys = new FlowKey[32];
                var ids = new int[32];
                var flags = new byte[32];
                var results = new CtResult[32];
                long ops = 0;
                while (clock.Elapsed < runFor)
                {
                    var now = Now();
                    for (var j = 0; j < 32; j++)
                    {
                        var i = rng.Next(flowSpace);
                        ids[j] = i;
                        var reply = rng.Next(3) == 0;
                        keys[j] = reply ? ReplyKey(FlowOf(i), NatOf(i)) : FlowOf(i);
                        flags[j] = FlowOf(i).Protocol != 6 ? (byte)0 : rng.Next(10) switch
                        {
                            < 3 => reply ? SynAck : Syn,
                            < 8 => Ack,
                            8 => FinAck,
                            _ => Rst,
                        };
                    }
                    w.Lookup(keys, flags, default, default, results, now);
                    for (var j = 0; j < 32; j++)
                    {
                        var r = results[j];
                        var i = ids[j];
                        if (r.Verdict is CtVerdict.Established && !r.Nat.Equals(NatOf(i)))
                            Interlocked.Increment(ref wrongNat);
                        var isOriginal = keys[j] == FlowOf(i);
                        if ((r.Verdict == CtVerdict.New && isOriginal) || r.Verdict == CtVerdict.ReEvaluate && isOriginal)
                        {
                            var st = w.Commit(FlowOf(i), NatOf(i), flags[j], now, out var c, replace: r.Verdict == CtVerdict.ReEvaluate);
                            if (st is CtCommitStatus.Inserted or CtCommitStatus.Existing && c.Entry >= 0 && !c.Nat.Equals(NatOf(i)))
                                Interlocked.Increment(ref wrongNat);
                        }
                    }
                    w.Sweep(now);
                    ops += 32;
                }
                Interlocked.Add(ref totalOps, ops);
            }
            catch (Exception e)
            {
                lock (errors) errors.Add(e);
            }
        }

        var workers = Enumerable.Range(0, threads).Select(s => new Thread(() => Worker(s + 1))).ToArray();
        foreach (var t in workers) t.Start();
        var purges = 0;
        while (clock.Elapsed < runFor)
        {
            purges += table.PurgeBackend(17, 4, 0, Backend2, 8080);
            Thread.Sleep(50);
        }
        foreach (var t in workers) t.Join();

        Assert.Empty(errors);
        Assert.Equal(0, wrongNat);
        Assert.True(totalOps > 10_000, $"only {totalOps} lookups");
        Assert.InRange(table.CountLive(), 1, capacity);
        Assert.Equal(table.CountLive(), table.Count);
        Assert.Empty(table.Verify());
        var s = table.Stats;
        Assert.True(s.Inserted > 0 && s.Established > 0 && s.Expired + s.Evicted + s.Closed > 0, s.ToString());
    }
}
