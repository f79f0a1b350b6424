using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>
/// One scenario per row of the flow summary for a packet arriving on a host endpoint (calico-semantics §3.5), plus its
/// two precedence rules: which programs run for a packet to the host, to a local workload, and forwarded.
/// </summary>
public sealed class FlowSummaryScenarios
{
    [Fact]
    public void To_the_host_the_ingress_host_endpoints_normal_policy_decides()
    {
        // No pre-DNAT policy: the HEP's normal ingress program (failsafes first, then default deny) decides.
        var run = new Scenario("flow-host") { Policies = PolicyBuild.Scenario("forward") }
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40000, 8443))   // host-ingress allows
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40001, 9000))   // nothing allows: drop if no profile matched
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40002, 22))     // the normal chain's own failsafe check
            .Send("eth0", Tcp(Client, Node, 40003, 8443))                // the uplink HEP has no ingress policy: default deny
            .Run();
        Assert.Equal(("punted", "kernel"), (run[0].Result, run[0].Egress));
        Assert.Equal("host:allow(host-ingress)", run[0].StageOf("host")!.ToString());
        Assert.Equal(("dropped", "host-deny"), (run[1].Result, run[1].Reason));
        Assert.Equal("deny", run[1].StageOf("host")!.Verdict);
        Assert.Equal(("punted", "host:allow(failsafe)"), (run[2].Result, run[2].StageOf("host")!.ToString()));
        Assert.Equal(("dropped", "host-deny"), (run[3].Result, run[3].Reason));
        run.MatchesExpected().ChecksumsVerified();
        Assert.Equal(new[] { "kernel.pcap" }, run.OutputPcaps);
    }

    [Fact]
    public void Pre_DNAT_allow_skips_the_normal_host_ingress_policy()
    {
        // policies/: the cluster network is allowed in pre-DNAT; the host's normal ingress (default deny, no
        // ingress policy) is then skipped.
        var run = new Scenario("flow-prednat-allow-host")
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40000, 9999))
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-cluster-internal-ingress) host:skip", run[0].Trace);
        Assert.Equal("punted", run[0].Result);
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void To_a_local_workload_workload_policy_runs_even_after_a_pre_DNAT_allow()
    {
        var run = new Scenario("flow-workload") { Policies = PolicyBuild.Scenario("workloads"), ServicesYaml = ScenarioData.Services("local") }
            .Send("eth0", Tcp(Client, Node, 40000, 30080))              // pre-DNAT allows the NodePort; web-ingress denies the internet
            .Send("eth1", Tcp("10.240.0.99", NodeCluster, 40001, 30080)) // from the cluster: allowed by both
            .Send("eth1", Tcp("10.240.0.99", "10.244.1.6", 40002, 5432))  // straight to db-0: its profile allows
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:allow(allow-nodeport) dnat:dnat(shop/web:http/TCP/IPv4) forward:skip workload:deny(tier default)", run[0].Trace);
        Assert.Equal(("dropped", "workload-deny"), (run[0].Result, run[0].Reason));
        Assert.Equal("workload:allow(shop/web-ingress)", run[1].StageOf("workload")!.ToString());
        Assert.Equal(("forwarded", "pods", "10.244.1.5:8080"), (run[1].Result, run[1].Egress, run[1].NatDst));
        Assert.Equal("workload:allow(profile kns.shop)", run[2].StageOf("workload")!.ToString());
        Assert.Equal(("forwarded", "pods"), (run[2].Result, run[2].Egress));
        run.MatchesExpected().ChecksumsVerified();

        // The pod gets the packet from the pods port's MAC to its own (the WEP's mac), TTL decremented.
        var pod = Tshark.Packets(run.Pcap("pods"), "eth.src", "eth.dst", "ip.dst", "tcp.dstport", "ip.ttl");
        Assert.Equal(2, pod.Count);
        Assert.All(pod, p => Assert.Equal("02:00:0a:f4:01:01", p["eth.src"]));
        Assert.Equal(("02:00:0a:f4:01:05", "10.244.1.5", "8080", "63"), (pod[0]["eth.dst"], pod[0]["ip.dst"], pod[0]["tcp.dstport"], pod[0]["ip.ttl"]));
        Assert.Equal(("02:00:0a:f4:01:06", "10.244.1.6"), (pod[1]["eth.dst"], pod[1]["ip.dst"]));
    }

    [Fact]
    public void To_a_local_workload_without_a_pre_DNAT_allow_the_ingress_host_endpoints_forward_policy_runs_first()
    {
        var run = new Scenario("flow-workload-forward") { Policies = PolicyBuild.Scenario("forward") }
            .Send("eth1", Tcp("10.240.0.99", "10.244.1.6", 40000, 5432))  // cluster-forward-in does not allow 5432
            .Send("eth1", Tcp("10.240.0.99", "10.244.1.6", 40001, 443))   // it allows 443; then db-0's profile
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:pass(prednat) forward:deny(tier default)", run[0].Trace);
        Assert.Equal(("dropped", "forward-deny"), (run[0].Result, run[0].Reason));
        Assert.Equal("parse:ok conntrack:new prednat:pass(prednat) forward:allow(cluster-forward-in) workload:allow(profile kns.shop)", run[1].Trace);
        Assert.Equal(("forwarded", "pods"), (run[1].Result, run[1].Egress));
        run.MatchesExpected().ChecksumsVerified();
    }

    [Fact]
    public void Forwarded_traffic_runs_the_ingress_and_the_egress_host_endpoints_forward_policies()
    {
        var run = new Scenario("flow-forwarded") { Policies = PolicyBuild.Scenario("forward") }
            .Send("eth1", Tcp("10.240.0.99", "198.51.100.7", 40000, 443))  // in: allowed; out: allowed
            .Send("eth1", Tcp("10.240.0.99", "198.51.100.7", 40001, 25))   // in: allowed; out: uplink-forward-out denies
            .Send("eth1", Tcp("10.240.0.99", "198.51.100.7", 40002, 80))   // in: tier default deny
            .Send("pods", Tcp("10.244.1.6", "198.51.100.7", 40003, 25))    // no HEP on pods (not policed in); out: denied
            .Run();
        Assert.Equal("parse:ok conntrack:new prednat:pass(prednat) forward:allow(cluster-forward-in) forward:allow(uplink-forward-out)", run[0].Trace);
        Assert.Equal(("forwarded", "eth0"), (run[0].Result, run[0].Egress));
        Assert.Equal("parse:ok conntrack:new prednat:pass(prednat) forward:allow(cluster-forward-in) forward:deny(uplink-forward-out)", run[1].Trace);
        Assert.Equal("forward-deny", run[1].Reason);
        Assert.Equal("parse:ok conntrack:new prednat:pass(prednat) forward:deny(tier default)", run[2].Trace);
        Assert.Equal("parse:ok conntrack:new workload:allow(profile kns.shop) forward:deny(uplink-forward-out)", run[3].Trace);
        run.MatchesExpected().ChecksumsVerified();
        // Out of the uplink: next hop 192.0.2.1's MAC, the uplink's own as source.
        var sent = Tshark.Packets(run.Pcap("eth0"), "eth.src", "eth.dst", "ip.ttl");
        Assert.Equal(("02:00:c0:00:02:0a", "02:00:c0:00:02:01", "63"), (sent[0]["eth.src"], sent[0]["eth.dst"], sent[0]["ip.ttl"]));
    }
}
