using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>Untracked (doNotTrack) policy: stage 1 of the stage order, before conntrack (semantics.md, choices 4 and 30).</summary>
public sealed class UntrackedScenarios
{
    private const string Monitor = "198.51.100.7";

    [Fact]
    public void An_untracked_allow_skips_conntrack_pre_DNAT_NAT_and_host_ingress_and_a_deny_drops()
    {
        var run = new Scenario("untracked") { Policies = PolicyBuild.Scenario("untracked"), ServicesYaml = ScenarioData.Services("local") }
            .Send("eth0", Tcp(Monitor, Node, 40000, 9100))     // allowed untracked: pre-DNAT's deny-all never sees it
            .Send("eth0", Tcp(Monitor, Node, 40000, 9100, ACK))
            .Send("eth0", Tcp(Client, Node, 40001, 23))        // untracked deny
            .Send("eth0", Tcp(Client, Node, 40002, 22))        // untracked would deny, but the raw failsafe passes it
            .Send("eth0", Tcp(Client, Node, 40003, 30080))     // untracked passes (no rule): the tracked NodePort path
            .Send("eth0", Tcp(Monitor, Node, 40004, 30080))    // untracked allow: NOTRACK skips the nat table, no DNAT
            .Run();
        Assert.Equal("parse:ok untracked:allow(untracked-monitoring) host:skip", run[0].Trace);
        Assert.Equal(("punted", "kernel"), (run[0].Result, run[0].Egress));
        Assert.Equal("parse:ok untracked:allow(untracked-monitoring) host:skip", run[1].Trace);   // no state was created
        Assert.Equal(("dropped", "untracked-deny", "parse:ok untracked:deny(untracked-monitoring)"), (run[2].Result, run[2].Reason, run[2].Trace));
        Assert.Equal("parse:ok untracked:pass(failsafe) conntrack:new failsafe:allow(failsafe) host:allow(failsafe)", run[3].Trace);
        Assert.Equal("parse:ok untracked:pass(untracked) conntrack:new prednat:allow(allow-nodeport) dnat:dnat(shop/web:http/TCP/IPv4) forward:skip", run[4].Trace);
        Assert.Equal(("punted", "parse:ok untracked:allow(untracked-monitoring) host:skip"), (run[5].Result, run[5].Trace));
        Assert.Null(run[5].NatDst);
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void Host_originated_packets_run_the_egress_host_endpoints_untracked_egress_policy_first()
    {
        var run = new Scenario("untracked-egress") { Policies = PolicyBuild.Scenario("untracked-egress") }
            .Send("kernel", Udp(Node, Monitor, 40000, 514))     // untracked allow: no conntrack, no host egress policy
            .Send("eth0", Udp(Monitor, Node, 514, 40000))       // so its reply is a new flow, denied by pre-DNAT
            .Send("kernel", Udp(Node, Monitor, 40000, 514))     // again untracked: no state was created
            .Send("kernel", Tcp(Node, Monitor, 40001, 25))      // untracked deny
            .Send("kernel", Tcp(Node, Monitor, 40002, 179))     // untracked would deny, but the raw outbound failsafe passes it
            .Send("kernel", Tcp(Node, Monitor, 40003, 443))     // no untracked rule: the tracked path and normal egress policy
            .Send("kernel", Tcp(Node, "10.240.0.11", 40004, 25)) // out of eth1, which has no untracked egress policy
            .Run();
        Assert.Equal(("forwarded", "eth0", "parse:ok untracked:allow(untracked-egress) host:skip"), (run[0].Result, run[0].Egress, run[0].Trace));
        Assert.Equal(("dropped", "prednat-deny"), (run[1].Result, run[1].Reason));
        Assert.Equal(run[0].Trace, run[2].Trace);
        Assert.Equal(("dropped", "untracked-deny", "parse:ok untracked:deny(untracked-egress)"), (run[3].Result, run[3].Reason, run[3].Trace));
        Assert.Equal(("forwarded", "parse:ok untracked:pass(failsafe) conntrack:new host:allow(failsafe)"), (run[4].Result, run[4].Trace));
        Assert.Equal(("forwarded", "parse:ok untracked:pass(untracked) conntrack:new host:allow(allow-outbound-external)"), (run[5].Result, run[5].Trace));
        Assert.Equal(("forwarded", "eth1"), (run[6].Result, run[6].Egress));
        Assert.DoesNotContain("untracked", run[6].Trace);
        run.MatchesExpected().ChecksumsVerified();
    }
}
