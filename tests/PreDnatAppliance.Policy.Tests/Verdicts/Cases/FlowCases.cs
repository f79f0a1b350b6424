using PreDnatAppliance.Policy.Evaluation;
using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>
/// calico-semantics §3.5's flow summary through <see cref="PolicyExplainer"/>: to the host, to a local workload,
/// and forwarded out of another host endpoint, with docs/semantics.md choice 4 (a pre-DNAT Allow skips only the
/// ingress HEP's normal and forward ingress checks).
/// </summary>
internal static class FlowCases
{
    private static readonly string WebPod = Wep("prod", "web-1", "10.65.0.1/32, \"fd00:65::1/128\"", "{app: web}");
    private static readonly string WebPodAllowAll = Wep("prod", "web-1", "10.65.0.1/32, \"fd00:65::1/128\"", "{app: web}", "profiles: [projectcalico-default-allow]\n");
    private static readonly string WebIn8080 = Np("prod", "web-in", "selector: \"app == 'web'\"\ningress:\n- {action: Allow, protocol: TCP, destination: {ports: [8080]}}\n");

    private static string Aof(string name, string spec, string selector) => Normal(name, spec, selector, applyOnForward: true);

    public static IEnumerable<ExplainCase> All()
    {
        // ---- to the host ----
        yield return new ExplainCase("flow-host-prednat-allow-skips-host-ingress", Set(Hep0,
                PreDnat("allow-np", "- {action: Allow, protocol: TCP, destination: {ports: [30080]}}", 10),
                Normal("host-deny", "ingress:\n- action: Deny\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:30080", "untracked:pass prednat:allow@allow-np host:skip", hep: "node1-eth0", to: Destination.Host)
            .Accept("eth0", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:30080", "untracked:pass prednat:allow@allow-np host:skip", to: Destination.Host)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:30081", "untracked:pass prednat:pass host:deny@host-deny", to: Destination.Host)
            .Drop("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:30080", "untracked:pass prednat:pass host:deny@host-deny");

        yield return new ExplainCase("flow-host-without-prednat-decision-uses-host-policy", Set(Hep0,
                PreDnat("prednat-other", "- {action: Deny, protocol: TCP, destination: {ports: [23]}}"),
                Normal("host-https", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [443]}}\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:443", "untracked:pass prednat:pass@prednat host:allow@host-https")
            .Accept("eth0", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:443", "untracked:pass prednat:pass host:allow@host-https")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:444", "untracked:pass prednat:pass host:deny@tier default")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:23", "untracked:pass prednat:deny@prednat-other");

        yield return new ExplainCase("flow-host-interface-address-is-host", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}"),
                Normal("host-ssh", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [2022]}}\n")))
            .Addresses("eth0", "192.0.2.50")
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.50:2022", "untracked:pass prednat:pass host:allow@host-ssh", to: Destination.Host)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.50:2023", "untracked:pass prednat:pass host:deny@tier default", to: Destination.Host)
            // not an address of the node: forwarded, and no applyOnForward policy applies
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.51:2023", "untracked:pass prednat:pass forward:allow@forward", to: Destination.Forwarded);

        // ---- to a local workload ----
        yield return new ExplainCase("flow-workload-prednat-applies", Set(Hep0, WebPodAllowAll,
                PreDnat("block-bad", "- {action: Deny, source: {nets: [203.0.113.0/24]}}")))
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "untracked:pass prednat:deny@block-bad", to: Destination.LocalWorkload)
            .Accept("eth0", "tcp 198.51.100.1:40000 -> 10.65.0.1:8080",
                "untracked:pass prednat:pass forward:allow@forward workload:allow@profile projectcalico-default-allow", to: Destination.LocalWorkload);

        yield return new ExplainCase("flow-workload-normal-hep-policy-does-not-apply", Set(Hep0, WebPod, WebIn8080,
                Normal("host-deny-all", "ingress:\n- action: Deny\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "untracked:pass prednat:pass forward:allow@forward workload:allow@prod/web-in")
            .Accept("eth0", "tcp [2001:db8:ff::5]:40000 -> [fd00:65::1]:8080", "untracked:pass prednat:pass forward:allow workload:allow@prod/web-in")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:8081", "untracked:pass prednat:pass forward:allow workload:deny@tier default")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:8080", "untracked:pass prednat:pass host:deny@host-deny-all");

        yield return new ExplainCase("flow-workload-apply-on-forward-hep-ingress-applies", Set(Hep0, WebPodAllowAll,
                Aof("fwd-no-udp", "ingress:\n- {action: Deny, protocol: UDP}\n- action: Allow\n", "has(host-endpoint)")))
            .Drop("eth0", "udp 203.0.113.5:40000 -> 10.65.0.1:53", "untracked:pass prednat:pass forward:deny@fwd-no-udp")
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "untracked:pass prednat:pass forward:allow@fwd-no-udp workload:allow");

        yield return new ExplainCase("flow-workload-prednat-allow-still-runs-workload-policy", Set(Hep0, WebPod, WebIn8080,
                PreDnat("allow-all-in", "- action: Allow"),
                Aof("fwd-deny", "ingress:\n- action: Deny\n", "has(host-endpoint)")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "untracked:pass prednat:allow@allow-all-in forward:skip workload:allow@prod/web-in")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:9090", "untracked:pass prednat:allow forward:skip workload:deny@tier default")
            .Drop("eth0", "udp [2001:db8:ff::5]:40000 -> [fd00:65::1]:53", "untracked:pass prednat:allow forward:skip workload:deny@tier default");

        // ---- forwarded out of another host endpoint ----
        var twoHeps = Set(Hep0, Hep1);
        yield return new ExplainCase("flow-forwarded-aof-ingress-of-a-and-egress-of-b", twoHeps +
                Aof("in-eth0", "ingress:\n- {action: Deny, protocol: TCP, destination: {ports: [23]}}\n- action: Allow\n", "host-endpoint == 'ingress'") +
                Aof("out-eth1", "types: [Egress]\negress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n", "host-endpoint == 'internal'"))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:80", "untracked:pass prednat:pass forward:allow@in-eth0 forward:allow@out-eth1",
                egress: "eth1", hep: "node1-eth0", to: Destination.Forwarded)
            .Accept("eth0", "tcp [2001:db8:ff::5]:40000 -> [2001:db8:7::7]:80", "untracked:pass prednat:pass forward:allow@in-eth0 forward:allow@out-eth1", egress: "eth1")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:23", "untracked:pass prednat:pass forward:deny@in-eth0", egress: "eth1")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:81", "untracked:pass prednat:pass forward:allow@in-eth0 forward:deny@tier default", egress: "eth1")
            // the other way round: eth1's ingress has no forward policy, eth0's egress has none either
            .Accept("eth1", "tcp 198.18.7.7:40000 -> 203.0.113.5:23", "untracked:pass prednat:pass forward:allow@forward forward:allow@forward", egress: "eth0");

        yield return new ExplainCase("flow-forwarded-prednat-allow-skips-only-ingress-forward", twoHeps +
                PreDnat("allow-in", "- action: Allow", selector: "host-endpoint == 'ingress'") +
                Aof("in-deny", "ingress:\n- action: Deny\n", "host-endpoint == 'ingress'") +
                Aof("out-web", "types: [Egress]\negress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n", "host-endpoint == 'internal'"))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:80", "untracked:pass prednat:allow@allow-in forward:skip forward:allow@out-web", egress: "eth1")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:81", "untracked:pass prednat:allow@allow-in forward:skip forward:deny@tier default", egress: "eth1");

        yield return new ExplainCase("flow-forwarded-ignores-non-aof-policy", twoHeps +
                Normal("deny-all", "types: [Ingress, Egress]\ningress:\n- action: Deny\negress:\n- action: Deny\n"))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:80", "untracked:pass prednat:pass forward:allow@forward forward:allow@forward", egress: "eth1")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:pass prednat:pass host:deny@deny-all")
            .Drop("eth1", "tcp 198.18.7.7:40000 -> 198.18.0.10:80", "untracked:pass prednat:pass host:deny@deny-all");

        yield return new ExplainCase("flow-forwarded-out-of-interface-without-hep", Hep0 +
                Aof("fwd-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n", "has(host-endpoint)"))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:80", "untracked:pass prednat:pass forward:allow@fwd-web", egress: "eth9")
            .Drop("eth0", "udp 203.0.113.5:40000 -> 198.18.7.7:80", "untracked:pass prednat:pass forward:deny@tier default", egress: "eth9");

        // ---- untracked precedence ----
        yield return new ExplainCase("flow-untracked-allow-skips-prednat-and-normal", Set(Hep0,
                Untracked("raw-allow", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n"),
                PreDnat("deny-all", "- action: Deny"),
                Normal("host-deny", "ingress:\n- action: Deny\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:allow@raw-allow prednat:skip")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:81", "untracked:pass@untracked prednat:deny@deny-all");

        // iptables: an untracked Allow sets the accept mark, so mangle PREROUTING and cali-FORWARD's from-HEP
        // forward dispatch skip the ingress HEP, but the to-workload and to-HEP-forward dispatches are unconditional.
        yield return new ExplainCase("flow-untracked-allow-still-runs-workload-and-egress-forward", twoHeps + WebPod + WebIn8080 +
                Untracked("raw-allow", "ingress:\n- {action: Allow, protocol: TCP}\n", "host-endpoint == 'ingress'") +
                PreDnat("deny-all", "- action: Deny", selector: "host-endpoint == 'ingress'") +
                Aof("in-deny", "ingress:\n- action: Deny\n", "host-endpoint == 'ingress'") +
                Aof("out-web", "types: [Egress]\negress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n", "host-endpoint == 'internal'"))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22222", "untracked:allow@raw-allow prednat:skip", to: Destination.Host)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "untracked:allow@raw-allow prednat:skip forward:skip workload:allow@prod/web-in")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:9090", "untracked:allow@raw-allow prednat:skip forward:skip workload:deny@tier default")
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:80", "untracked:allow@raw-allow prednat:skip forward:skip forward:allow@out-web", egress: "eth1")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:81", "untracked:allow@raw-allow prednat:skip forward:skip forward:deny@tier default", egress: "eth1")
            .Drop("eth0", "udp 203.0.113.5:40000 -> 10.65.0.1:8080", "untracked:pass prednat:deny@deny-all");

        yield return new ExplainCase("flow-untracked-deny-drops-first", Set(Hep0,
                Untracked("raw-deny", "ingress:\n- {action: Deny, protocol: UDP}\n"),
                PreDnat("allow-all", "- action: Allow")))
            .Drop("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:53", "untracked:deny@raw-deny")
            .Drop("eth0", "udp 203.0.113.5:40000 -> 10.65.0.1:53", "untracked:deny@raw-deny")
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:53", "untracked:pass prednat:allow@allow-all host:skip");

        // ---- interfaces that no host endpoint governs ----
        yield return new ExplainCase("flow-interface-without-hep-is-not-policed", Set(Hep0, WebPod, WebIn8080,
                PreDnat("deny-all", "- action: Deny", selector: "all()")))
            .Accept("eth5", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "prednat:skip", hep: "-")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:pass prednat:deny@deny-all", hep: "node1-eth0")
            // workload policy still applies to traffic arriving on an unpoliced interface
            .Accept("eth5", "tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "prednat:skip workload:allow@prod/web-in")
            .Drop("eth5", "tcp 203.0.113.5:40000 -> 10.65.0.1:9090", "prednat:skip workload:deny@tier default");

        yield return new ExplainCase("flow-hep-of-another-node-does-not-apply", Set(
                Hep("node2-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.20", node: "node2"),
                PreDnat("deny-all", "- action: Deny", selector: "all()")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.20:80", "prednat:skip", hep: "-", to: Destination.Forwarded)
            .ForNode("node1");
    }
}
