using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>The failsafe rules (calico-semantics §3.7), iptables flavour (semantics.md, choice 5).</summary>
public sealed class FailsafeScenarios
{
    [Fact]
    public void Inbound_failsafe_on_the_original_port_skips_pre_DNAT_policy()
    {
        // policies/ denies everything else in pre-DNAT; tcp/22 is a default inbound failsafe. The failsafe skips the
        // pre-DNAT deny; normal host ingress (default deny: no ingress policy) passes by its own failsafe check.
        var run = new Scenario("failsafe-ssh")
            .Send("eth0", Tcp(Client, Node, 40000, 22))
            .Send("eth0", Tcp(Client, Node, 40001, 2222))
            .Run();
        Assert.Equal("parse:ok conntrack:new failsafe:allow(failsafe) host:allow(failsafe)", run[0].Trace);
        Assert.Equal(("punted", "kernel"), (run[0].Result, run[0].Egress));
        Assert.Equal("parse:ok conntrack:new prednat:deny(drop-other-ingress)", run[1].Trace);
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void A_failsafe_with_a_net_only_covers_sources_in_it_and_FelixConfiguration_replaces_the_defaults()
    {
        var run = new Scenario("failsafe-net") { Policies = PolicyBuild.Scenario("failsafe") }
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40000, 22))  // tcp:22 from 10.0.0.0/8
            .Send("eth0", Tcp(Client, Node, 40001, 22))                // outside the net: pre-DNAT's deny
            .Send("eth0", Tcp(Client, Node, 40002, 179))               // a Felix default, replaced by the FelixConfiguration
            .Run();
        Assert.Equal("parse:ok conntrack:new failsafe:allow(failsafe) host:allow(failsafe)", run[0].Trace);
        Assert.Equal("punted", run[0].Result);
        Assert.Equal("parse:ok conntrack:new prednat:deny(drop-other-ingress)", run[1].Trace);
        Assert.Equal("parse:ok conntrack:new prednat:deny(drop-other-ingress)", run[2].Trace);
        Assert.NotEqual("r6d366b63bda9", run[0].StageOf("failsafe")!.RuleId);   // not the default tcp:22 entry
        run.MatchesExpected();
    }

    [Fact]
    public void A_failsafe_port_matches_whatever_the_destination_and_does_not_mark_the_packet()
    {
        // iptables: cali-failsafe-in in mangle matches the pre-DNAT port on any destination, so a service on a failsafe
        // port (here an externalIP on tcp/6443) bypasses the pre-DNAT deny; the accept sets no mark, so the uplink's
        // forward ingress program still runs (it allows: no applyOnForward policy applies to it).
        var run = new Scenario("failsafe-service-port") { Policies = PolicyBuild.Scenario("failsafe"), ServicesYaml = ScenarioData.Services("apiserver-external") }
            .Send("eth0", Tcp(Client, "192.0.2.50", 40000, 6443))
            .Run();
        Assert.Equal("parse:ok conntrack:new failsafe:allow(failsafe) dnat:dnat(infra/api:https/TCP/IPv4) forward:allow(forward)", run[0].Trace);
        Assert.Equal(("forwarded", "pods", "10.244.1.5:6443", "203.0.113.5:40000"), (run[0].Result, run[0].Egress, run[0].NatDst, run[0].NatSrc));
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void Forward_chains_have_no_failsafes()
    {
        var run = new Scenario("failsafe-not-on-forward") { Policies = PolicyBuild.Scenario("forward") }
            .Send("eth1", Tcp("10.240.0.99", "198.51.100.7", 40000, 22))
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:pass(prednat) forward:deny(tier default)", run[0].Trace);
        Assert.Equal(("dropped", "forward-deny"), (run[0].Result, run[0].Reason));
        run.MatchesExpected();
    }
}
