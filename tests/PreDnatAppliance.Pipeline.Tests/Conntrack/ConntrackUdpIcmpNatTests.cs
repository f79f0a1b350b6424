using PreDnatAppliance.Pipeline.Conntrack;
using PreDnatAppliance.Pipeline.Flows;
using PreDnatAppliance.Pipeline.Parsing;
using static PreDnatAppliance.Pipeline.Tests.Conntrack.CtKit;

namespace PreDnatAppliance.Pipeline.Tests.Conntrack;

public class ConntrackUdpIcmpNatTests
{
    [Fact]
    public void Udp_unreplied_expires_after_30s_and_a_replied_stream_after_120s()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var a = ClientFlow(50000, 17);
        var b = ClientFlow(50001, 17);
        var nat = Dnat(Backend1, 5353);
        Assert.Equal(CtVerdict.New, w.Lookup(a, 0, T0).Verdict);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(a, nat, 0, T0, out _));
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(b, nat, 0, T0, out _));
        var reply = w.Lookup(ReplyKey(b, nat), 0, T0 + Sec(1));
        Assert.Equal(CtVerdict.Established, reply.Verdict);
        Assert.Equal(CtStatus.SeenReply | CtStatus.Assured, reply.Status);

        Assert.Equal(0, table.SweepAll(T0 + Sec(29)));
        Assert.Equal(1, table.SweepAll(T0 + Sec(31)));   // a: unreplied, 30 s
        Assert.Null(table.Find(a, out _));
        Assert.NotNull(table.Find(b, out _));
        Assert.Equal(0, table.SweepAll(T0 + Sec(120)));
        Assert.Equal(1, table.SweepAll(T0 + Sec(122)));  // b: stream, 120 s after its last packet
    }

    [Fact]
    public void Udp_packets_of_a_new_flow_in_one_burst_share_the_first_commit()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var flow = ClientFlow(50000, 17);
        Span<CtResult> results = stackalloc CtResult[3];
        w.Lookup([flow, flow, flow], [0, 0, 0], default, default, results, T0);
        Assert.All(results.ToArray(), r => Assert.Equal(CtVerdict.New, r.Verdict));
        // The DNAT stage chose a backend per packet; conntrack keeps the first.
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(flow, Dnat(Backend1), 0, T0, out var r0));
        Assert.Equal(CtCommitStatus.Existing, w.Commit(flow, Dnat(Backend2), 0, T0, out var r1));
        Assert.Equal(r0.Nat, r1.Nat);
        Assert.Equal(CtVerdict.Established, r1.Verdict);
        Assert.Equal(1, table.CountLive());
    }

    [Fact]
    public void Icmp_echo_reply_matches_the_request_and_expires_after_30s()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var request = FlowKey.V4(Client, Node, 1, 0x1234, 0); // echo id in the source port
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(request, default, 0, T0, out _));
        var reply = FlowKey.V4(Node, Client, 1, 0x1234, 0);
        var r = w.Lookup(reply, 0, T0 + Sec(1));
        Assert.Equal(CtVerdict.Established, r.Verdict);
        Assert.Equal(CtDirection.Reply, r.Direction);
        Assert.Equal(0, table.SweepAll(T0 + Sec(30)));
        Assert.Equal(1, table.SweepAll(T0 + Sec(32)));
    }

    [Fact]
    public void Other_protocols_use_the_generic_600s_timeout()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var gre = FlowKey.V4(Client, Node, 47, 0, 0);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(gre, default, 0, T0, out _));
        Assert.Equal(0, table.SweepAll(T0 + Sec(599)));
        Assert.Equal(1, table.SweepAll(T0 + Sec(601)));
    }

    [Fact]
    public void The_reply_from_the_backend_finds_the_entry_and_gets_the_reverse_nat()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var flow = ClientFlow();
        var nat = DnatSnat(Backend1, 61000);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(flow, nat, Syn, T0, out var committed));
        Assert.Equal(nat, committed.Nat);

        // Backend 10.244.1.7:8080 -> node 192.0.2.10:61000 (the SNAT'd source), as the reply arrives.
        var replyKey = FlowKey.V4(Backend1, Node, 6, 8080, 61000);
        Assert.Equal(ReplyKey(flow, nat), replyKey);
        var r = w.Lookup(replyKey, SynAck, T0 + 1);
        Assert.Equal(CtVerdict.Established, r.Verdict);
        Assert.Equal(CtDirection.Reply, r.Direction);
        Assert.True(r.ReverseNat);
        Assert.Equal(nat, r.Nat);
        Assert.Equal(committed.Entry, r.Entry);

        // The post-NAT tuple itself is not a key; nor is the NodePort reversed.
        Assert.Null(table.Find(nat.Apply(flow), out _));
        Assert.Null(table.Find(flow.Reversed(), out _));
        var view = table.Find(flow, out var dir)!.Value;
        Assert.Equal(CtDirection.Original, dir);
        Assert.Equal(replyKey, view.Reply);
        Assert.Equal(nat.Apply(flow), view.PostNat);
    }

    [Fact]
    public void A_reply_tuple_owned_by_another_flow_is_a_clash()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var nat = DnatSnat(Backend1, 61000);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(ClientFlow(40000), nat, Syn, T0, out _));
        // Another client SNAT'd to the same node port towards the same backend: same reply tuple.
        var other = FlowKey.V4(Ip(198, 51, 100, 1), Node, 6, 41000, 30080);
        Assert.Equal(CtCommitStatus.Clash, w.Commit(other, nat, Syn, T0, out _));
        Assert.Equal(1, table.CountLive());
        Assert.Equal(1UL, table.Stats.Clash);
        Assert.Empty(table.Verify());
    }

    [Fact]
    public void Icmp_errors_about_a_natted_flow_are_related_in_the_right_direction()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var flow = ClientFlow();
        var nat = Dnat(Backend1);
        w.Commit(flow, nat, Syn, T0, out _);
        var router = Ip(10, 0, 0, 254);

        // A router behind the appliance reports on the DNAT'd packet client -> backend; the error goes to the client.
        var towardsClient = w.LookupIcmpError(FlowKey.V4(router, Client, 1, 0, 0), nat.Apply(flow), T0 + 1);
        Assert.Equal(CtVerdict.Related, towardsClient.Verdict);
        Assert.Equal(CtDirection.Reply, towardsClient.Direction); // un-DNAT the embedded destination
        Assert.Equal(nat, towardsClient.Nat);

        // The client's side reports on a reply packet as it left the appliance (NodePort -> client).
        var replyAsSent = FlowKey.V4(Node, Client, 6, 30080, 40000);
        var towardsBackend = w.LookupIcmpError(FlowKey.V4(Client, Node, 1, 0, 0), replyAsSent, T0 + 2);
        Assert.Equal(CtVerdict.Related, towardsBackend.Verdict);
        Assert.Equal(CtDirection.Original, towardsBackend.Direction);

        // About nothing tracked: invalid.
        var stray = w.LookupIcmpError(FlowKey.V4(router, Client, 1, 0, 0), FlowKey.V4(Client, Backend2, 6, 1, 2), T0 + 3);
        Assert.Equal(CtVerdict.Invalid, stray.Verdict);

        // Related packets neither refresh nor change the entry.
        var entry = table.Find(flow, out _)!.Value;
        Assert.Equal(T0, entry.LastSeen);
        Assert.Equal(TcpCtState.SynSent, entry.State);
    }

    [Fact]
    public void The_parsed_burst_overload_reads_the_parse_stage_arrays()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var nat = Dnat(Backend1);
        w.Commit(ClientFlow(), nat, Syn, T0, out _);
        var burst = new ParsedBurst();
        burst.Flow[0] = ReplyKey(ClientFlow(), nat); burst.TcpFlags[0] = SynAck;
        burst.Flow[1] = ClientFlow(40001); burst.TcpFlags[1] = Syn;
        burst.Flow[2] = FlowKey.V4(Ip(10, 0, 0, 254), Client, 1, 0, 0); burst.Flags[2] = PacketFlags.IcmpError; burst.EmbeddedFlow[2] = nat.Apply(ClientFlow());
        burst.Flow[3] = ClientFlow(40002); burst.TcpFlags[3] = SynAck;
        var results = new CtResult[4];
        w.Lookup(burst, 4, results, T0 + 1);
        Assert.Equal([CtVerdict.Established, CtVerdict.New, CtVerdict.Related, CtVerdict.Invalid], results.Select(r => r.Verdict));
        Assert.Equal(CtDirection.Reply, results[0].Direction);
        Assert.Equal(-1, results[1].Entry);
    }

    [Fact]
    public void Ipv6_flows_are_tracked_apart_from_ipv4()
    {
        using var table = Table();
        var w = table.CreateWorker();
        var v6 = new FlowKey(6, 0x20010DB8_00000000, 5, 0x20010DB8_00000000, 10, 6, 40000, 30080);
        var nat = new NatRewrite(NatKind.Dnat, 0xFD00_0000_0000_0000, 7, 8080, 0, 0, 0, 1);
        Assert.Equal(CtCommitStatus.Inserted, w.Commit(v6, nat, Syn, T0, out _));
        var r = w.Lookup(nat.Apply(v6).Reversed(), SynAck, T0 + 1);
        Assert.Equal(CtVerdict.Established, r.Verdict);
        Assert.Equal(nat, r.Nat);
        var v4 = FlowKey.V4(5, 10, 6, 40000, 30080);
        Assert.Equal(CtVerdict.New, w.Lookup(v4, Syn, T0 + 2).Verdict);
    }
}
