using PreDnatAppliance.Pipeline.Conntrack;
using static PreDnatAppliance.Pipeline.Tests.Conntrack.CtKit;

namespace PreDnatAppliance.Pipeline.Tests.Conntrack;

public class ConntrackTcpTests
{
    [Theory]
    // path (comma separated; "r" = reply direction), expected state, expected verdict of the last packet, expected status
    [InlineData("S", TcpCtState.SynSent, CtVerdict.New, CtStatus.None)]
    [InlineData("S,S", TcpCtState.SynSent, CtVerdict.Established, CtStatus.None)]                     // retransmitted SYN
    [InlineData("S,rSA", TcpCtState.SynRecv, CtVerdict.Established, CtStatus.SeenReply)]
    [InlineData("S,rSA,A", TcpCtState.Established, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,A", TcpCtState.SynSent, CtVerdict.Invalid, CtStatus.None)]                          // ACK before SYN-ACK
    [InlineData("S,rA", TcpCtState.SynSent, CtVerdict.Established, CtStatus.None)]                     // sIG: half-open
    [InlineData("S,F", TcpCtState.SynSent, CtVerdict.Invalid, CtStatus.None)]
    [InlineData("S,SA", TcpCtState.SynSent, CtVerdict.Invalid, CtStatus.None)]                         // client can't SYN-ACK
    [InlineData("S,rS", TcpCtState.SynSent2, CtVerdict.Established, CtStatus.SeenReply)]               // simultaneous open
    [InlineData("S,rSA,S", TcpCtState.SynRecv, CtVerdict.Established, CtStatus.SeenReply)]             // SYN retransmit in SYN_RECV: sIG
    [InlineData("S,rSA,rSA", TcpCtState.SynRecv, CtVerdict.Established, CtStatus.SeenReply)]
    [InlineData("S,rSA,A,rSA", TcpCtState.Established, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,rA,A", TcpCtState.Established, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,F", TcpCtState.FinWait, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,rF", TcpCtState.FinWait, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,F,rA", TcpCtState.CloseWait, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,F,rF", TcpCtState.LastAck, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,F,rA,rF", TcpCtState.LastAck, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,F,rF,A", TcpCtState.TimeWait, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,rF,F,rA", TcpCtState.TimeWait, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,F,rF,A,A", TcpCtState.TimeWait, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,R", TcpCtState.Close, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,rR", TcpCtState.Close, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,rRA", TcpCtState.Close, CtVerdict.Established, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,N", TcpCtState.Established, CtVerdict.Invalid, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,S", TcpCtState.Established, CtVerdict.ReEvaluate, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,F,rF,A,S", TcpCtState.TimeWait, CtVerdict.ReEvaluate, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,rR,S", TcpCtState.Close, CtVerdict.ReEvaluate, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("S,rSA,A,rS", TcpCtState.Established, CtVerdict.ReEvaluate, CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("A", TcpCtState.Established, CtVerdict.New, CtStatus.Pickup)]                           // loose pickup
    [InlineData("A,rA", TcpCtState.Established, CtVerdict.Established, CtStatus.Pickup | CtStatus.SeenReply)]
    [InlineData("A,rA,A", TcpCtState.Established, CtVerdict.Established, CtStatus.Pickup | CtStatus.SeenReply | CtStatus.Assured)]
    [InlineData("A,F,rF,A", TcpCtState.TimeWait, CtVerdict.Established, CtStatus.Pickup | CtStatus.SeenReply)]
    public void Transitions_follow_nf_conntrack(string path, TcpCtState state, CtVerdict verdict, CtStatus status)
    {
        using var table = Table();
        var conn = new Conn(table.CreateWorker(), ClientFlow(), Dnat(Backend1));
        var r = conn.Run(path);
        Assert.Equal(verdict, r.Verdict);
        var entry = conn.Entry;
        Assert.NotNull(entry);
        Assert.Equal(state, entry.Value.State);
        Assert.Equal(status, entry.Value.Status);
        Assert.Empty(table.Verify());
    }

    [Theory]
    [InlineData("SA")]
    [InlineData("F")]
    [InlineData("R")]
    [InlineData("RA")]
    [InlineData("N")]
    public void Packets_that_cannot_start_a_flow_are_invalid(string step)
    {
        using var table = Table();
        var w = table.CreateWorker();
        var r = w.Lookup(ClientFlow(), Conn.Flags(step), T0);
        Assert.Equal(CtVerdict.Invalid, r.Verdict);
        Assert.Equal(CtCommitStatus.Invalid, w.Commit(ClientFlow(), Dnat(Backend1), Conn.Flags(step), T0, out _));
        Assert.Equal(0, table.CountLive());
    }

    [Fact]
    public void Without_loose_pickup_a_mid_stream_packet_is_invalid()
    {
        using var table = Table(loose: false);
        var w = table.CreateWorker();
        Assert.Equal(CtVerdict.Invalid, w.Lookup(ClientFlow(), Ack, T0).Verdict);
        Assert.Equal(CtCommitStatus.Invalid, w.Commit(ClientFlow(), Dnat(Backend1), Ack, T0, out _));
        Assert.Equal(CtVerdict.New, w.Lookup(ClientFlow(), Syn, T0).Verdict);
    }

    [Fact]
    public void Loose_pickup_keeps_a_flow_moved_by_ecmp_working_both_ways_with_its_nat()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var conn = new Conn(w, ClientFlow(), Dnat(Backend1));
        // The flow started on another appliance: the first packet here is a data segment.
        var first = w.Lookup(conn.Original, PshAck, T0);
        Assert.Equal(CtVerdict.New, first.Verdict); // policy must approve it; then:
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(conn.Original, conn.Nat, PshAck, T0, out var committed));
        Assert.Equal(TcpCtState.Established, committed.State);
        Assert.Equal(CtStatus.Pickup, committed.Status);

        var reply = w.Lookup(conn.Reply, Ack, T0 + 5);
        Assert.Equal(CtVerdict.Established, reply.Verdict);
        Assert.Equal(CtDirection.Reply, reply.Direction);
        Assert.Equal(conn.Nat, reply.Nat);
        var again = w.Lookup(conn.Original, PshAck, T0 + 10);
        Assert.Equal(CtVerdict.Established, again.Verdict);
        Assert.Equal(CtStatus.Pickup | CtStatus.SeenReply | CtStatus.Assured, again.Status);
    }

    [Fact]
    public void A_rst_before_any_reply_removes_the_entry_at_once()
    {
        using var table = Table();
        var conn = new Conn(table.CreateWorker(), ClientFlow(), Dnat(Backend1));
        conn.Run("S");
        var r = conn.Step("rR"); // port closed on the backend
        Assert.Equal(CtVerdict.Established, r.Verdict); // the RST itself goes through (reverse NAT applied)
        Assert.Equal(CtDirection.Reply, r.Direction);
        Assert.Null(conn.Entry);
        Assert.Equal(1UL, table.Stats.Closed);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void A_syn_on_time_wait_is_re_evaluated_and_replace_installs_the_new_flow()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var conn = new Conn(w, ClientFlow(), Dnat(Backend1));
        conn.Run("S,rSA,A,F,rF,A");
        Assert.Equal(TcpCtState.TimeWait, conn.Entry!.Value.State);

        var syn = w.Lookup(conn.Original, Syn, conn.Now + Sec(1));
        Assert.Equal(CtVerdict.ReEvaluate, syn.Verdict);

        // Policy accepted it again and the DNAT stage picked another backend.
        var nat2 = Dnat(Backend2);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(conn.Original, nat2, Syn, conn.Now + Sec(1), out var r, replace: true));
        Assert.Equal(TcpCtState.SynSent, r.State);
        Assert.Equal(nat2, r.Nat);
        Assert.Null(table.Find(conn.Reply, out _));                         // the old backend's tuple is gone
        var reply2 = w.Lookup(ReplyKey(conn.Original, nat2), SynAck, conn.Now + Sec(2));
        Assert.Equal(CtVerdict.Established, reply2.Verdict);
        Assert.Equal(CtDirection.Reply, reply2.Direction);
        Assert.Equal(1, table.CountLive());
        Assert.Equal(1UL, table.Stats.Replaced);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void A_denied_re_evaluation_leaves_the_old_entry()
    {
        using var table = Table();
        var conn = new Conn(table.CreateWorker(), ClientFlow(), Dnat(Backend1));
        conn.Run("S,rSA,A");
        Assert.Equal(CtVerdict.ReEvaluate, conn.Step("S").Verdict);
        // Policy denied: nothing is committed, the established flow keeps working.
        Assert.Equal(CtVerdict.Established, conn.Step("rA").Verdict);
        Assert.Equal(TcpCtState.Established, conn.Entry!.Value.State);
    }

    [Theory]
    [InlineData("S", 120)]
    [InlineData("S,rSA", 60)]
    [InlineData("S,rSA,A", 432000)]
    [InlineData("S,rSA,A,F", 120)]
    [InlineData("S,rSA,A,F,rA", 60)]
    [InlineData("S,rSA,A,F,rF", 30)]
    [InlineData("S,rSA,A,F,rF,A", 120)]
    [InlineData("S,rSA,A,R", 10)]
    [InlineData("S,rS", 120)]
    [InlineData("A", 300)]          // picked up, never replied: nf_conntrack_tcp_timeout_unacknowledged
    [InlineData("A,rA", 432000)]
    public void Each_state_expires_after_its_linux_default_timeout(string path, double seconds)
    {
        using var table = Table();
        var conn = new Conn(table.CreateWorker(), ClientFlow(), Dnat(Backend1));
        conn.Run(path);
        var last = conn.Now;

        Assert.Equal(0, table.SweepAll(last + Sec(seconds - 1)));
        Assert.NotNull(conn.Entry);
        Assert.Equal(1, table.SweepAll(last + Sec(seconds + 1)));
        Assert.Null(conn.Entry);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void An_expired_entry_is_a_miss_on_lookup_even_before_any_sweep()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var conn = new Conn(w, ClientFlow(), Dnat(Backend1));
        conn.Run("S,rSA,A,R");
        // CLOSE times out after 10 s: an ACK then is a miss (a loose pickup candidate), and the entry is gone.
        Assert.Equal(CtVerdict.New, w.Lookup(conn.Original, Ack, conn.Now + Sec(11)).Verdict);
        Assert.Equal(1UL, table.Stats.Expired);
        Assert.Null(conn.Entry);
        Assert.Equal(CtVerdict.New, w.Lookup(conn.Original, Syn, conn.Now + Sec(12)).Verdict);
    }

    [Fact]
    public void A_retransmitted_syn_does_not_renew_the_syn_sent_timer()
    {
        using var table = Table();
        var conn = new Conn(table.CreateWorker(), ClientFlow(), Dnat(Backend1));
        conn.Run("S");
        var start = conn.Now;
        conn.Step("S", 100);
        Assert.Equal(1, table.SweepAll(start + Sec(121)));
    }

    [Fact]
    public void The_sweep_spreads_expiry_over_bursts()
    {
        using var table = new ConntrackTable(new ConntrackOptions { Capacity = 1000, TicksPerSecond = TicksPerSecond, SweepPeriodSeconds = 1, SweepMaxPerCall = 64, HashSeed = 1 });
        var w = table.CreateWorker();
        for (var i = 0; i < 500; i++)
            Assert.Equal(CtCommitStatus.Inserted, w.Commit(Udp(Client + (uint)i, 5000, Node, 53), default, 0, T0, out _));
        Assert.Equal(0, w.Sweep(T0)); // sets the sweep's origin
        var removed = 0;
        var calls = 0;
        for (var t = T0 + Sec(31); t < T0 + Sec(33); t += Sec(0.01))
        {
            var n = w.Sweep(t);
            Assert.InRange(n, 0, 64);
            removed += n;
            calls++;
        }
        Assert.Equal(500, removed);
        Assert.Equal(0, table.CountLive());
        Assert.True(calls > 16);
    }
}
