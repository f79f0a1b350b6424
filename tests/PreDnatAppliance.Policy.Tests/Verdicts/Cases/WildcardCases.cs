using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>
/// Wildcard host endpoints (docs/semantics.md choice 10): "*" governs every interface without its own HEP;
/// an explicit interfaceName beats expectedIPs beats "*"; ties go to the earliest name; untracked policy is
/// ignored on "*" with PDA1402.
/// </summary>
internal static class WildcardCases
{
    private static readonly string Star = Hep("star", "*", "{host-endpoint: star}", "192.0.2.10");

    public static IEnumerable<VerdictCase> Programs()
    {
        yield return new VerdictCase("wildcard-untracked-policy-ignored-with-warning", Set(
                Star,
                Hep("node1-eth1", "eth1", "{host-endpoint: internal}", "198.18.0.10"),
                Untracked("raw-deny", "ingress:\n- {action: Deny, protocol: TCP}\negress:\n- {action: Deny, protocol: UDP}\n", selector: "has(host-endpoint)"),
                PreDnat("prednat-web", "- {action: Allow, protocol: TCP, destination: {ports: [80]}}", selector: "has(host-endpoint)"),
                Normal("host-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n", selector: "has(host-endpoint)")))
            .Warns("PDA1402")
            .On(P.Hep("star", "untracked")).NoneBy("untracked", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 203.0.113.5:40000 -> 192.0.2.10:81")
            .On(P.Hep("star", "untracked", "egress")).NoneBy("untracked", "udp 192.0.2.10:40000 -> 203.0.113.5:53")
            // a named HEP in the same set still gets the untracked policy
            .On(P.Hep("node1-eth1", "untracked")).DenyBy("raw-deny#0", "tcp 203.0.113.5:40000 -> 198.18.0.10:80")
            // and "*" gets pre-DNAT, normal and forward programs
            .On(P.Hep("star", "prednat")).AllowBy("prednat-web#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80").NoneBy("prednat", "tcp 203.0.113.5:40000 -> 192.0.2.10:81")
            .On(P.Hep("star", "host")).AllowBy("host-web#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80").DenyBy("tier default", "udp 203.0.113.5:40000 -> 192.0.2.10:80")
            .On(P.Hep("star", "host", "egress")).DenyBy("host", "udp 192.0.2.10:40000 -> 203.0.113.5:53")
            .On(P.Hep("star", "forward")).AllowBy("forward", "udp 203.0.113.5:40000 -> 10.65.0.1:53");

        yield return new VerdictCase("wildcard-without-untracked-policy-has-no-warning", Set(Star,
                PreDnat("deny-all", "- action: Deny", selector: "all()")))
            .On(P.Hep("star", "prednat")).DenyBy("deny-all#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80");
    }

    public static IEnumerable<ExplainCase> Flows()
    {
        yield return new ExplainCase("wildcard-governs-interfaces-without-their-own-hep", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Hep("star", "*", "{host-endpoint: star}"),
                PreDnat("star-deny-80", "- {action: Deny, protocol: TCP, destination: {ports: [80]}}", selector: "host-endpoint == 'star'")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:pass prednat:pass host:allow@profile projectcalico-default-allow", hep: "node1-eth0")
            .Drop("eth1", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:pass prednat:deny@star-deny-80", hep: "star")
            // in iptables the "*" HEP is the pre-DNAT dispatch default for workload interfaces too
            .Drop("cali12345", "tcp 10.65.0.1:40000 -> 192.0.2.10:80", "untracked:pass prednat:deny@star-deny-80", hep: "star")
            // "*" has no profile: host traffic it governs is default-denied
            .Drop("eth1", "tcp 203.0.113.5:40000 -> 192.0.2.10:443", "untracked:pass prednat:pass host:deny@host", hep: "star");

        yield return new ExplainCase("wildcard-resolution-name-then-expected-ips-then-star", Set(
                Hep("a-star", "*", "{which: star}"),
                Doc("HostEndpoint", "b-by-ip", "node: node1\nexpectedIPs: [198.18.0.20]\n", labels: "{which: by-ip}"),
                Hep("c-named", "eth2", "{which: named}"),
                Hep("d-named-eth4", "eth4", "{which: named-eth4}", "198.18.0.30")))
            .Addresses("eth1", "198.18.0.20")
            .Addresses("eth2", "198.18.0.20")
            .Addresses("eth3", "198.18.0.99")
            .Addresses("eth5", "198.18.0.30")
            .Drop("eth2", "tcp 203.0.113.5:40000 -> 198.18.0.20:80", null, hep: "c-named")
            .Drop("eth1", "tcp 203.0.113.5:40000 -> 198.18.0.20:80", null, hep: "b-by-ip")
            .Drop("eth3", "tcp 203.0.113.5:40000 -> 198.18.0.20:80", null, hep: "a-star")
            // a HEP naming another interface never matches by address
            .Drop("eth5", "tcp 203.0.113.5:40000 -> 198.18.0.20:80", null, hep: "a-star")
            .Drop("eth4", "tcp 203.0.113.5:40000 -> 198.18.0.20:80", null, hep: "d-named-eth4");

        yield return new ExplainCase("wildcard-ties-go-to-earliest-name", Set(
                Hep("star-b", "*", "{which: b}"),
                Hep("star-a", "*", "{which: a}"),
                Hep("x-eth0", "eth0", "{which: x}"),
                Hep("w-eth0", "eth0", "{which: w}"),
                Doc("HostEndpoint", "q-ip", "node: node1\nexpectedIPs: [198.18.0.40]\n"),
                Doc("HostEndpoint", "p-ip", "node: node1\nexpectedIPs: [198.18.0.40]\n")))
            .Addresses("eth7", "198.18.0.40")
            .Drop("eth1", "tcp 203.0.113.5:40000 -> 198.18.0.40:80", null, hep: "star-a")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 198.18.0.40:80", null, hep: "w-eth0")
            .Drop("eth7", "tcp 203.0.113.5:40000 -> 198.18.0.40:80", null, hep: "p-ip");

        yield return new ExplainCase("wildcard-normal-policy-applies-to-host-traffic", Set(Star,
                Normal("star-ssh-from-lan", "ingress:\n- {action: Allow, protocol: TCP, source: {nets: [10.0.0.0/8]}, destination: {ports: [2022]}}\n", "host-endpoint == 'star'")))
            .Accept("eth7", "tcp 10.1.1.1:40000 -> 192.0.2.10:2022", "untracked:pass prednat:pass host:allow@star-ssh-from-lan", hep: "star")
            .Drop("eth7", "tcp 203.0.113.5:40000 -> 192.0.2.10:2022", "untracked:pass prednat:pass host:deny@tier default", hep: "star");

        yield return new ExplainCase("wildcard-untracked-policy-ignored-in-flow", Set(Star,
                Untracked("raw-deny-all", "ingress:\n- action: Deny\n", selector: "all()")))
            .Warns("PDA1402")
            .Drop("eth3", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:pass@untracked prednat:pass host:deny@host", hep: "star");
    }
}
