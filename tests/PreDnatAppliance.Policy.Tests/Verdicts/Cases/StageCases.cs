using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>
/// What each program does when nothing decides, which policies land in which program (pre-DNAT, untracked,
/// normal, applyOnForward, workload), policy types, and NetworkPolicy's namespace scoping.
/// </summary>
internal static class StageCases
{
    private const string Tcp80 = "tcp 203.0.113.5:40000 -> 192.0.2.10:80";
    private const string Udp53v6 = "udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:53";
    private const string OutTcp = "tcp 192.0.2.10:40000 -> 203.0.113.5:443";
    private const string OutUdpV6 = "udp [2001:db8::10]:40000 -> [2001:db8:ff::5]:53";
    private const string ToPod = "tcp 203.0.113.5:40000 -> 10.65.0.1:8080";
    private const string FromPod = "udp 10.65.0.1:40000 -> 203.0.113.5:53";

    public static IEnumerable<VerdictCase> All()
    {
        // ---- a host endpoint with no policy and no profile ----
        yield return new VerdictCase("hep-without-policy-every-program-end", Hep0)
            .On(P.Untracked0).NoneBy("untracked", Tcp80, Udp53v6)
            .On(P.UntrackedOut0).NoneBy("untracked", OutTcp)
            .On(P.PreDnat0).NoneBy("prednat", Tcp80, Udp53v6)
            .On(P.HostIn0).DenyBy("host", Tcp80, Udp53v6)
            .On(P.HostOut0).DenyBy("host", OutTcp, OutUdpV6)
            .On(P.FwdIn0).AllowBy("forward", ToPod, Udp53v6)
            .On(P.FwdOut0).AllowBy("forward", FromPod);

        yield return new VerdictCase("prednat-unmatched-has-no-default-drop", Set(Hep0, PreDnat("web", "- {action: Allow, protocol: TCP, destination: {ports: [80]}}")))
            .On(P.PreDnat0)
            .AllowBy("web#0", Tcp80)
            .NoneBy("prednat", "tcp 203.0.113.5:40000 -> 192.0.2.10:81", Udp53v6, "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0");

        yield return new VerdictCase("untracked-ingress-and-egress", Set(Hep0, Untracked("raw", """
                ingress:
                - {action: Deny, protocol: TCP, destination: {ports: [23]}}
                - {action: Allow, protocol: UDP, source: {ports: [53]}}
                egress:
                - {action: Allow, protocol: UDP, destination: {ports: [53]}}
                - {action: Deny, protocol: TCP, destination: {ports: [25]}}
                """)))
            .On(P.Untracked0)
            .DenyBy("raw#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:23")
            .AllowBy("raw#1", "udp 198.51.100.53:53 -> 192.0.2.10:40000")
            .NoneBy("untracked", Tcp80, "udp 198.51.100.53:54 -> 192.0.2.10:40000")
            .On(P.UntrackedOut0)
            .AllowBy("raw#0", "udp 192.0.2.10:40000 -> 198.51.100.53:53")
            .DenyBy("raw#1", "tcp [2001:db8::10]:40000 -> [2001:db8:ff::25]:25")
            .NoneBy("untracked", OutTcp)
            .On(P.HostIn0).DenyBy("host", "tcp 203.0.113.5:40000 -> 192.0.2.10:23")
            .On(P.PreDnat0).NoneBy("prednat", "tcp 203.0.113.5:40000 -> 192.0.2.10:23");

        yield return new VerdictCase("untracked-tier-end-is-pass", Set(Hep0,
                Tier("raw-tier", 10, "Deny"),
                Gnp("raw-web", "tier: raw-tier\ndoNotTrack: true\napplyOnForward: true\nselector: has(host-endpoint)\ningress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n"),
                Untracked("raw-deny-udp", "ingress:\n- {action: Deny, protocol: UDP}\n")))
            .On(P.Untracked0)
            .AllowBy("raw-web#0", Tcp80)
            .DenyBy("raw-deny-udp#0", Udp53v6)
            .NoneBy("untracked", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0");

        // ---- which policies each host program holds ----
        yield return new VerdictCase("host-program-excludes-prednat-and-untracked", Set(Hep0,
                PreDnat("prednat-allow", "- action: Allow"),
                Untracked("raw-allow", "ingress:\n- action: Allow\negress:\n- action: Allow\n")))
            .On(P.HostIn0).DenyBy("host", Tcp80, Udp53v6)
            .On(P.HostOut0).DenyBy("host", OutTcp)
            .On(P.FwdIn0).AllowBy("forward", ToPod)
            .On(P.PreDnat0).AllowBy("prednat-allow#0", Tcp80)
            .On(P.Untracked0).AllowBy("raw-allow#0", Tcp80);

        yield return new VerdictCase("prednat-program-excludes-normal-policy", Set(Hep0,
                Normal("normal-deny", "ingress:\n- action: Deny\n", applyOnForward: true)))
            .On(P.PreDnat0).NoneBy("prednat", Tcp80)
            .On(P.HostIn0).DenyBy("normal-deny#0", Tcp80)
            .On(P.FwdIn0).DenyBy("normal-deny#0", ToPod);

        yield return new VerdictCase("host-ingress-policy-leaves-egress-default-deny", Set(Hep0,
                Normal("ingress-allow", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0).AllowBy("ingress-allow#0", Tcp80, Udp53v6)
            .On(P.HostOut0).DenyBy("host", OutTcp, OutUdpV6);

        yield return new VerdictCase("host-program-includes-apply-on-forward-policy", Set(Hep0,
                Normal("aof-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n", applyOnForward: true)))
            .On(P.HostIn0).AllowBy("aof-web#0", Tcp80).DenyBy("tier default", Udp53v6)
            .On(P.FwdIn0).AllowBy("aof-web#0", "tcp 203.0.113.5:40000 -> 10.65.0.1:80").DenyBy("tier default", ToPod);

        yield return new VerdictCase("forward-default-allow-without-apply-on-forward-policy", Set(Hep0,
                Normal("host-deny-all", "types: [Ingress, Egress]\ningress:\n- action: Deny\negress:\n- action: Deny\n")))
            .On(P.HostIn0).DenyBy("host-deny-all#0", Tcp80)
            .On(P.HostOut0).DenyBy("host-deny-all#0", OutTcp)
            .On(P.FwdIn0).AllowBy("forward", ToPod, "icmp 203.0.113.5 -> 10.65.0.1 type 8 code 0")
            .On(P.FwdOut0).AllowBy("forward", FromPod);

        yield return new VerdictCase("forward-end-of-tier-deny-when-aof-policy-applies", Set(Hep0,
                Normal("fwd-in", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [8080]}}\n", applyOnForward: true)))
            .On(P.FwdIn0)
            .AllowBy("fwd-in#0", ToPod, "tcp [2001:db8:ff::5]:1 -> [fd00:65::1]:8080")
            .DenyBy("tier default", "tcp 203.0.113.5:40000 -> 10.65.0.1:8081", "udp 203.0.113.5:40000 -> 10.65.0.1:8080")
            // an ingress-only policy leaves forwarded egress at its default
            .On(P.FwdOut0).AllowBy("forward", FromPod);

        yield return new VerdictCase("forward-allows-when-every-tier-passed", Set(Hep0,
                Normal("fwd-pass", "ingress:\n- {action: Deny, protocol: UDP}\n- action: Pass\n", applyOnForward: true)))
            .On(P.FwdIn0)
            .DenyBy("fwd-pass#0", "udp 203.0.113.5:40000 -> 10.65.0.1:53")
            .AllowBy("forward", ToPod)
            // the same policy in the host program: profiles follow (none), then the drop
            .On(P.HostIn0)
            .DenyBy("host", Tcp80);

        yield return new VerdictCase("forward-egress-apply-on-forward", Set(Hep0,
                Normal("fwd-out", "egress:\n- {action: Allow, destination: {nets: [198.51.100.0/24]}}\n", applyOnForward: true)))
            .On(P.FwdOut0)
            .AllowBy("fwd-out#0", "udp 10.65.0.1:40000 -> 198.51.100.53:53")
            .DenyBy("tier default", FromPod, "udp [fd00:65::1]:40000 -> [2001:db8:ff::5]:53")
            .On(P.FwdIn0).AllowBy("forward", ToPod)
            .On(P.HostOut0).AllowBy("fwd-out#0", "tcp 192.0.2.10:1 -> 198.51.100.1:2").DenyBy("tier default", OutTcp)
            .On(P.HostIn0).DenyBy("host", Tcp80);

        // ---- policy types ----
        yield return new VerdictCase("types-derived-from-egress-rules-only", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Normal("egress-only", "egress:\n- {action: Deny, protocol: TCP, destination: {ports: [25]}}\n")))
            .On(P.HostIn0).AllowBy("profile projectcalico-default-allow", Tcp80)
            .On(P.HostOut0).DenyBy("egress-only#0", "tcp 192.0.2.10:40000 -> 203.0.113.25:25").DenyBy("tier default", OutTcp);

        yield return new VerdictCase("types-explicit-egress-ignores-ingress-rules", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Normal("egress-typed", "types: [Egress]\ningress:\n- action: Deny\negress:\n- action: Allow\n")))
            .On(P.HostIn0).AllowBy("profile projectcalico-default-allow", Tcp80, "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0")
            .On(P.HostOut0).AllowBy("egress-typed#0", OutTcp);

        yield return new VerdictCase("types-both-without-egress-rules-denies-egress", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Normal("both-types", "types: [Ingress, Egress]\ningress:\n- action: Allow\n")))
            .On(P.HostIn0).AllowBy("both-types#0", Tcp80)
            .On(P.HostOut0).DenyBy("tier default", OutTcp);

        yield return new VerdictCase("types-policy-without-rules-is-ingress", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Normal("empty", "")))
            .On(P.HostIn0).DenyBy("tier default", Tcp80)
            .On(P.HostOut0).AllowBy("profile projectcalico-default-allow", OutTcp);

        yield return new VerdictCase("types-ingress-and-egress-rules-derive-both", Set(Hep0,
                Normal("both", "ingress:\n- {action: Allow, protocol: TCP}\negress:\n- {action: Allow, protocol: UDP}\n")))
            .On(P.HostIn0).AllowBy("both#0", Tcp80).DenyBy("tier default", Udp53v6)
            .On(P.HostOut0).AllowBy("both#0", OutUdpV6).DenyBy("tier default", OutTcp);

        // ---- workloads ----
        yield return new VerdictCase("workload-selected-default-deny", Set(
                Wep("prod", "web-1", "10.65.0.1/32, \"fd00:65::1/128\"", "{app: web}"),
                Normal("web-in", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [8080]}}\n", "app == 'web'")))
            .On(P.WepIn("prod", "web-1"))
            .AllowBy("web-in#0", ToPod, "tcp [2001:db8:ff::5]:1 -> [fd00:65::1]:8080")
            .DenyBy("tier default", "tcp 203.0.113.5:40000 -> 10.65.0.1:8081", "udp 203.0.113.5:40000 -> 10.65.0.1:8080")
            .On(P.WepOut("prod", "web-1"))
            .DenyBy("workload", FromPod);

        yield return new VerdictCase("workload-profile-after-tiers", Set(
                Namespace("prod", "env: production") + Profile("web-rules", "ingress:\n- {action: Allow, protocol: TCP}\negress:\n- action: Allow\n"),
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web}", "profiles: [web-rules]\n"),
                Normal("web-pass", "ingress:\n- {action: Deny, protocol: TCP, destination: {ports: [22]}}\n- action: Pass\n", "app == 'web'")))
            .On(P.WepIn("prod", "web-1"))
            .DenyBy("web-pass#0", "tcp 203.0.113.5:40000 -> 10.65.0.1:22")
            .AllowBy("profile web-rules#0", ToPod)
            .DenyBy("workload", "udp 203.0.113.5:40000 -> 10.65.0.1:53")
            .On(P.WepOut("prod", "web-1"))
            .AllowBy("profile web-rules#0", FromPod);

        yield return new VerdictCase("workload-implicit-namespace-profile-rules-only-when-listed", Set(
                Profile("kns.prod", "labelsToApply: {pcns.env: production}\ningress:\n- action: Allow\n"),
                Wep("prod", "listed", "10.65.0.1/32", null, "profiles: [kns.prod]\n"),
                Wep("prod", "unlisted", "10.65.0.2/32")))
            .On(P.WepIn("prod", "listed")).AllowBy("profile kns.prod#0", ToPod)
            .On(P.WepIn("prod", "unlisted")).DenyBy("workload", "tcp 203.0.113.5:40000 -> 10.65.0.2:8080");

        yield return new VerdictCase("prednat-and-untracked-never-apply-to-workloads", Set(Hep0,
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web, host-endpoint: fake}", "profiles: [projectcalico-default-allow]\n"),
                PreDnat("prednat-deny-all", "- action: Deny", selector: "all()"),
                Untracked("raw-deny-all", "ingress:\n- action: Deny\negress:\n- action: Deny\n", selector: "all()")))
            .On(P.WepIn("prod", "web-1")).AllowBy("profile projectcalico-default-allow", ToPod)
            .On(P.WepOut("prod", "web-1")).AllowBy("profile projectcalico-default-allow", FromPod)
            .On(P.PreDnat0).DenyBy("prednat-deny-all#0", Tcp80)
            .On(P.Untracked0).DenyBy("raw-deny-all#0", Tcp80);

        // ---- NetworkPolicy scoping ----
        yield return new VerdictCase("networkpolicy-applies-only-in-its-namespace", Set(
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web}", "profiles: [projectcalico-default-allow]\n"),
                Wep("dev", "web-2", "10.65.1.1/32", "{app: web}", "profiles: [projectcalico-default-allow]\n"),
                Np("prod", "deny-web", "selector: \"app == 'web'\"\ningress:\n- action: Deny\n")))
            .On(P.WepIn("prod", "web-1")).DenyBy("prod/deny-web#0", ToPod)
            .On(P.WepIn("dev", "web-2")).AllowBy("profile projectcalico-default-allow", "tcp 203.0.113.5:40000 -> 10.65.1.1:8080");

        yield return new VerdictCase("networkpolicy-never-selects-host-endpoints", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Np("default", "all-in-default", "selector: all()\ningress:\n- action: Deny\negress:\n- action: Deny\n"),
                Np("default", "hep-labels", "selector: has(host-endpoint)\ningress:\n- action: Deny\n")))
            .On(P.HostIn0).AllowBy("profile projectcalico-default-allow", Tcp80)
            .On(P.HostOut0).AllowBy("profile projectcalico-default-allow", OutTcp)
            .On(P.FwdIn0).AllowBy("forward", ToPod);

        yield return new VerdictCase("networkpolicy-without-namespace-is-in-default", Set(
                Wep("default", "web-1", "10.65.0.1/32", "{app: web}"),
                Wep("other", "web-2", "10.65.1.1/32", "{app: web}", "profiles: [projectcalico-default-allow]\n"),
                Doc("NetworkPolicy", "no-namespace", "selector: \"app == 'web'\"\ningress:\n- {action: Allow, source: {selector: \"app == 'web'\"}}\n")))
            .On(P.WepIn("default", "web-1"))
            .AllowBy("default/no-namespace#0", "tcp 10.65.0.1:40000 -> 10.65.0.1:8080")
            // the rule selector is scoped to the policy's namespace (default), so other/web-2 is not a source
            .DenyBy("tier default", "tcp 10.65.1.1:40000 -> 10.65.0.1:8080")
            .On(P.WepIn("other", "web-2"))
            .AllowBy("profile projectcalico-default-allow", "tcp 10.65.0.1:40000 -> 10.65.1.1:8080");

        var npFixture = Set(
            Namespace("prod", "env: production"),
            Namespace("dev", "env: development"),
            Wep("prod", "web-1", "10.65.0.1/32", "{app: web}"),
            Wep("prod", "api-1", "10.65.0.2/32", "{app: api}"),
            Wep("dev", "web-2", "10.65.1.1/32", "{app: web}"),
            GlobalNetworkSet("partners", "{app: web}", "198.51.100.0/24"));

        yield return new VerdictCase("networkpolicy-rule-selector-scoped-to-namespace", npFixture +
                Np("prod", "from-web", "selector: \"app == 'api'\"\ningress:\n- {action: Allow, source: {selector: \"app == 'web'\"}}\n"))
            .On(P.WepIn("prod", "api-1"))
            .AllowBy("prod/from-web#0", "tcp 10.65.0.1:40000 -> 10.65.0.2:8080")
            .DenyBy("tier default", "tcp 10.65.1.1:40000 -> 10.65.0.2:8080", "tcp 198.51.100.1:40000 -> 10.65.0.2:8080");

        yield return new VerdictCase("networkpolicy-rule-namespace-selector-crosses-namespaces", npFixture +
                Np("prod", "from-dev-web", "selector: \"app == 'api'\"\ningress:\n- {action: Allow, source: {namespaceSelector: \"env == 'development'\", selector: \"app == 'web'\"}}\n"))
            .On(P.WepIn("prod", "api-1"))
            .AllowBy("prod/from-dev-web#0", "tcp 10.65.1.1:40000 -> 10.65.0.2:8080")
            .DenyBy("tier default", "tcp 10.65.0.1:40000 -> 10.65.0.2:8080", "tcp 198.51.100.1:40000 -> 10.65.0.2:8080");

        yield return new VerdictCase("networkpolicy-rule-namespace-selector-global", npFixture +
                Np("prod", "from-global", "selector: \"app == 'api'\"\ningress:\n- {action: Allow, source: {namespaceSelector: global(), selector: \"app == 'web'\"}}\n"))
            .On(P.WepIn("prod", "api-1"))
            .AllowBy("prod/from-global#0", "tcp 198.51.100.1:40000 -> 10.65.0.2:8080")
            .DenyBy("tier default", "tcp 10.65.0.1:40000 -> 10.65.0.2:8080", "tcp 10.65.1.1:40000 -> 10.65.0.2:8080");

        yield return new VerdictCase("networkpolicy-not-selector-scopes-to-namespace", npFixture +
                Np("prod", "not-web", "selector: \"app == 'api'\"\ningress:\n- {action: Allow, source: {notSelector: \"app == 'web'\"}}\n"))
            .On(P.WepIn("prod", "api-1"))
            // notSelector alone still limits the source to the policy's namespace (Felix's getEndpointSelector)
            .AllowBy("prod/not-web#0", "tcp 10.65.0.2:40000 -> 10.65.0.2:8080")
            .DenyBy("tier default", "tcp 10.65.0.1:40000 -> 10.65.0.2:8080", "tcp 10.65.1.1:40000 -> 10.65.0.2:8080",
                "tcp 203.0.113.5:40000 -> 10.65.0.2:8080");

        yield return new VerdictCase("networkpolicy-nets-are-not-namespace-scoped", npFixture +
                Np("prod", "from-nets", "selector: \"app == 'api'\"\ningress:\n- {action: Allow, source: {nets: [10.65.0.0/16]}}\n"))
            .On(P.WepIn("prod", "api-1"))
            .AllowBy("prod/from-nets#0", "tcp 10.65.0.1:40000 -> 10.65.0.2:8080", "tcp 10.65.1.1:40000 -> 10.65.0.2:8080")
            .DenyBy("tier default", "tcp 198.51.100.1:40000 -> 10.65.0.2:8080");

        yield return new VerdictCase("networkpolicy-service-accounts-scoped-to-namespace", Set(
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web}", "serviceAccountName: frontend\n"),
                Wep("prod", "api-1", "10.65.0.2/32", "{app: api}"),
                Wep("dev", "web-2", "10.65.1.1/32", "{app: web}", "serviceAccountName: frontend\n"),
                Np("prod", "from-frontend", "selector: \"app == 'api'\"\ningress:\n- {action: Allow, source: {serviceAccounts: {names: [frontend]}}}\n")))
            .On(P.WepIn("prod", "api-1"))
            .AllowBy("prod/from-frontend#0", "tcp 10.65.0.1:40000 -> 10.65.0.2:8080")
            .DenyBy("tier default", "tcp 10.65.1.1:40000 -> 10.65.0.2:8080");

        yield return new VerdictCase("networkpolicy-egress-on-workload", Set(
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web}"),
                Np("prod", "egress-dns", "selector: all()\ntypes: [Egress]\negress:\n- {action: Allow, protocol: UDP, destination: {ports: [53]}}\n")))
            .On(P.WepOut("prod", "web-1"))
            .AllowBy("prod/egress-dns#0", FromPod)
            .DenyBy("tier default", "tcp 10.65.0.1:40000 -> 203.0.113.5:443")
            .On(P.WepIn("prod", "web-1"))
            .DenyBy("workload", ToPod);

        yield return new VerdictCase("gnp-selects-workloads-and-host-endpoints", Set(
                Hep("node1-eth0", "eth0", "{tier: public}", "192.0.2.10"),
                Wep("prod", "web-1", "10.65.0.1/32", "{tier: public}"),
                Normal("public-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [443]}}\n", "tier == 'public'")))
            .On(P.HostIn0).AllowBy("public-web#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:443").DenyBy("tier default", Tcp80)
            .On(P.WepIn("prod", "web-1")).AllowBy("public-web#0", "tcp 203.0.113.5:40000 -> 10.65.0.1:443").DenyBy("tier default", ToPod);

        yield return new VerdictCase("programs-only-for-the-compiled-node", Set(Hep0,
                Hep("node2-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.20", node: "node2"),
                PreDnat("deny-all", "- action: Deny")))
            .ForNode("node2")
            .On(P.Hep("node2-eth0", "prednat")).DenyBy("deny-all#0", "tcp 203.0.113.5:40000 -> 192.0.2.20:80");
    }
}
