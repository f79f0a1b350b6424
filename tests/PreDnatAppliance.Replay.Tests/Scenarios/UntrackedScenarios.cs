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
}
