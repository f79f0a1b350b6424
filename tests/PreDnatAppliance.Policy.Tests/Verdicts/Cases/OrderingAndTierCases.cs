using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>Policy order and Felix's tie-break, rule order, tiers (order, Pass, defaultAction), and profiles after the last tier.</summary>
internal static class OrderingAndTierCases
{
    private const string Tcp80 = "tcp 203.0.113.5:40000 -> 192.0.2.10:80";
    private const string Udp53 = "udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:53";
    private const string Icmp = "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0";

    /// <summary>Pre-DNAT policies that each match everything; the first in Felix's order decides.</summary>
    private static VerdictCase FirstOf(string name, string expectedOwner, Verdict verdict, params string[] policies)
    {
        var c = new VerdictCase(name, Hep0 + string.Concat(policies)).On(P.PreDnat0);
        return verdict == Verdict.Allow ? c.AllowBy(expectedOwner, Tcp80, Udp53, Icmp) : c.DenyBy(expectedOwner, Tcp80, Udp53, Icmp);
    }

    private enum Verdict { Allow, Deny }

    private static string AllowAll(string name, double? order) => PreDnat(name, "- action: Allow", order);
    private static string DenyAll(string name, double? order) => PreDnat(name, "- action: Deny", order);

    /// <summary>A normal (host) policy for node1-eth0 in a tier.</summary>
    private static string InTier(string tier, string name, string spec, double? order = null, string selector = "has(host-endpoint)", bool applyOnForward = false) =>
        Normal(name, $"tier: {tier}\n{spec}", selector, order, applyOnForward);

    public static IEnumerable<VerdictCase> All()
    {
        // ---- policy order ----
        yield return FirstOf("order-lower-first-not-name", "z-allow#0", Verdict.Allow, DenyAll("a-deny", 20), AllowAll("z-allow", 10));
        yield return FirstOf("order-is-numeric-not-lexical", "nine", Verdict.Deny, AllowAll("ten", 10), DenyAll("nine", 9), AllowAll("hundred", 100));
        yield return FirstOf("order-fractional", "one-and-a-half", Verdict.Allow, DenyAll("two", 2), AllowAll("one-and-a-half", 1.5), DenyAll("one-point-six", 1.6));
        yield return FirstOf("order-negative-and-zero", "minus-one", Verdict.Deny, AllowAll("zero", 0), DenyAll("minus-one", -1));
        yield return FirstOf("order-missing-sorts-last", "big-order", Verdict.Allow, DenyAll("a-no-order", null), AllowAll("big-order", 1e12));
        yield return FirstOf("order-missing-ties-by-name", "a-no-order", Verdict.Deny, AllowAll("b-no-order", null), DenyAll("a-no-order", null));
        yield return FirstOf("order-tie-by-name", "alpha", Verdict.Deny, AllowAll("beta", 10), DenyAll("alpha", 10));
        // Felix compares "name/namespace/kind": '-' (0x2D) sorts before '/' (0x2F), so "a-b" comes before "a".
        yield return FirstOf("order-tie-felix-key-a-b-before-a", "a-b", Verdict.Deny, AllowAll("a", 10), DenyAll("a-b", 10));
        // ...while '0' (0x30) sorts after '/', so "a" comes before "a0" and "ab".
        yield return FirstOf("order-tie-felix-key-a-before-a0-and-ab", "a", Verdict.Allow, DenyAll("ab", 10), DenyAll("a0", 10), AllowAll("a", 10));

        yield return new VerdictCase("order-tie-gnp-before-np-of-same-name", Set(
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web}"),
                Normal("x", "ingress:\n- action: Allow\n", "app == 'web'", 10),
                Np("prod", "x", "selector: \"app == 'web'\"\norder: 10\ningress:\n- action: Deny\n")))
            .On(P.WepIn("prod", "web-1"))
            // "x//GlobalNetworkPolicy" < "x/prod/NetworkPolicy"
            .AllowBy("x#0", "tcp 10.65.0.2:40000 -> 10.65.0.1:80");

        yield return new VerdictCase("rules-in-order-first-match-wins", Set(Hep0, PreDnat("p", """
                - action: Deny
                  protocol: TCP
                  destination: {ports: [22]}
                - action: Allow
                  protocol: TCP
                - action: Deny
                  protocol: TCP
                - action: Allow
                """)))
            .On(P.PreDnat0)
            .DenyBy("p#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:22")
            .AllowBy("p#1", "tcp 203.0.113.5:40000 -> 192.0.2.10:23", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:2222")
            .AllowBy("p#3", "udp 203.0.113.5:40000 -> 192.0.2.10:22");

        yield return new VerdictCase("unmatched-policy-falls-through-to-next", Set(Hep0,
                PreDnat("web", "- {action: Allow, protocol: TCP, destination: {ports: [80, 443]}}", 10),
                PreDnat("ssh", "- {action: Allow, protocol: TCP, source: {nets: [10.0.0.0/8]}, destination: {ports: [22]}}", 20),
                PreDnat("drop-rest", "- action: Deny", 30)))
            .On(P.PreDnat0)
            .AllowBy("web#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:443")
            .AllowBy("ssh#0", "tcp 10.1.1.1:40000 -> 192.0.2.10:22")
            .DenyBy("drop-rest#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "udp 10.1.1.1:40000 -> 192.0.2.10:80");

        // ---- tiers ----
        yield return new VerdictCase("tier-order-lower-first", Set(Hep0,
                Tier("security", 100),
                InTier("security", "sec-block-ssh", "ingress:\n- {action: Deny, protocol: TCP, destination: {ports: [22]}}\n- action: Pass\n"),
                Normal("allow-all", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0)
            .DenyBy("sec-block-ssh#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:22")
            .AllowBy("allow-all#0", Tcp80, Udp53, Icmp);

        yield return new VerdictCase("tier-order-beats-policy-order", Set(Hep0,
                Tier("first", 10),
                Tier("second", 20),
                InTier("second", "second-allow", "ingress:\n- action: Allow\n", order: 1),
                InTier("first", "first-deny", "ingress:\n- {action: Deny, protocol: UDP}\n- action: Pass\n", order: 1000)))
            .On(P.HostIn0)
            .DenyBy("first-deny#0", Udp53)
            .AllowBy("second-allow#0", Tcp80, Icmp);

        yield return new VerdictCase("tier-pass-skips-rest-of-tier", Set(Hep0,
                Tier("security", 100),
                InTier("security", "sec-pass-internal", "ingress:\n- {action: Pass, source: {nets: [10.0.0.0/8]}}\n", order: 1),
                InTier("security", "sec-deny", "ingress:\n- action: Deny\n", order: 2),
                Normal("allow-all", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0)
            .AllowBy("allow-all#0", "tcp 10.1.2.3:40000 -> 192.0.2.10:80", "udp 10.0.0.1:1 -> 192.0.2.10:53")
            .DenyBy("sec-deny#0", Tcp80, Icmp);

        yield return new VerdictCase("tier-default-action-deny-at-end-of-tier", Set(Hep0,
                Tier("security", 100, "Deny"),
                InTier("security", "sec-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n"),
                Normal("allow-all", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0)
            .AllowBy("sec-web#0", Tcp80)
            .DenyBy("tier security", Udp53, Icmp, "tcp 203.0.113.5:40000 -> 192.0.2.10:81");

        yield return new VerdictCase("tier-default-action-unset-is-deny", Set(Hep0,
                Tier("security", 100),
                InTier("security", "sec-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n"),
                Normal("allow-all", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0)
            .AllowBy("sec-web#0", Tcp80)
            .DenyBy("tier security", Udp53);

        yield return new VerdictCase("tier-default-action-pass-continues", Set(Hep0,
                Tier("security", 100, "Pass"),
                InTier("security", "sec-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n- {action: Deny, protocol: ICMP}\n"),
                Normal("udp-only", "ingress:\n- {action: Allow, protocol: UDP}\n")))
            .On(P.HostIn0)
            .AllowBy("sec-web#0", Tcp80)
            .DenyBy("sec-web#1", Icmp)
            .AllowBy("udp-only#0", Udp53)
            .DenyBy("tier default", "tcp 203.0.113.5:40000 -> 192.0.2.10:81", "sctp 203.0.113.5:1 -> 192.0.2.10:2");

        yield return new VerdictCase("tier-without-policy-for-endpoint-adds-no-drop", Set(Hep0,
                Tier("security", 100, "Deny"),
                InTier("security", "sec-other", "ingress:\n- {action: Allow, protocol: TCP}\n", selector: "role == 'other'"),
                Normal("allow-all", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0)
            .AllowBy("allow-all#0", Tcp80, Udp53, Icmp);

        yield return new VerdictCase("tier-with-policy-for-other-direction-adds-no-drop", Set(Hep0,
                Tier("security", 100),
                InTier("security", "sec-egress", "types: [Egress]\negress:\n- {action: Allow, protocol: TCP}\n"),
                Normal("allow-all", "types: [Ingress, Egress]\ningress:\n- action: Allow\negress:\n- {action: Allow, protocol: UDP}\n")))
            .On(P.HostIn0)
            .AllowBy("allow-all#0", Tcp80, Udp53)
            .On(P.HostOut0)
            .AllowBy("sec-egress#0", "tcp 192.0.2.10:40000 -> 203.0.113.5:443")
            .DenyBy("tier security", "udp 192.0.2.10:40000 -> 203.0.113.5:53");

        yield return new VerdictCase("tier-log-only-policy-still-ends-tier", Set(Hep0,
                Tier("audit", 50),
                InTier("audit", "audit-log", "ingress:\n- action: Log\n"),
                Normal("allow-all", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0)
            .DenyBy("tier audit", Tcp80, Udp53).Logged(1);

        yield return new VerdictCase("tier-missing-order-sorts-after-default", Set(Hep0,
                Tier("late", null),
                InTier("late", "late-allow", "ingress:\n- action: Allow\n"),
                Normal("default-pass", "ingress:\n- {action: Deny, protocol: TCP, destination: {ports: [22]}}\n- action: Pass\n")))
            .On(P.HostIn0)
            .DenyBy("default-pass#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22")
            .AllowBy("late-allow#0", Tcp80, Udp53);

        yield return new VerdictCase("tier-equal-order-ties-by-name", Set(Hep0,
                Tier("beta", 50),
                Tier("alpha", 50),
                InTier("beta", "beta-allow", "ingress:\n- action: Allow\n"),
                InTier("alpha", "alpha-deny-udp", "ingress:\n- {action: Deny, protocol: UDP}\n- action: Pass\n")))
            .On(P.HostIn0)
            .DenyBy("alpha-deny-udp#0", Udp53)
            .AllowBy("beta-allow#0", Tcp80);

        yield return new VerdictCase("tier-builtin-kube-admin-and-kube-baseline-pass", Set(Hep0,
                InTier("kube-admin", "admin-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n"),
                Normal("default-pass", "ingress:\n- {action: Deny, protocol: ICMP}\n- action: Pass\n"),
                InTier("kube-baseline", "baseline-udp", "ingress:\n- {action: Allow, protocol: UDP}\n")))
            .On(P.HostIn0)
            .AllowBy("admin-web#0", Tcp80)
            .DenyBy("default-pass#0", Icmp)
            .AllowBy("baseline-udp#0", Udp53)
            .DenyBy("host", "tcp 203.0.113.5:40000 -> 192.0.2.10:81");

        yield return new VerdictCase("tier-prednat-end-is-pass-whatever-default-action", Set(Hep0,
                Tier("security", 100, "Deny"),
                Gnp("sec-prednat", "tier: security\npreDNAT: true\napplyOnForward: true\nselector: has(host-endpoint)\ningress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n"),
                PreDnat("deny-udp", "- {action: Deny, protocol: UDP}")))
            .On(P.PreDnat0)
            .AllowBy("sec-prednat#0", Tcp80)
            .DenyBy("deny-udp#0", Udp53)
            .NoneBy("prednat", Icmp);

        yield return new VerdictCase("tier-forward-end-of-tier-deny", Set(Hep0,
                Tier("security", 100),
                InTier("security", "sec-fwd", "ingress:\n- {action: Allow, protocol: TCP}\n", applyOnForward: true)))
            .On(P.FwdIn0)
            .AllowBy("sec-fwd#0", "tcp 203.0.113.5:40000 -> 10.65.0.1:80")
            .DenyBy("tier security", "udp 203.0.113.5:40000 -> 10.65.0.1:53")
            .On(P.FwdOut0)
            .AllowBy("forward", "udp 10.65.0.1:40000 -> 203.0.113.5:53");

        // ---- profiles ----
        yield return new VerdictCase("profiles-after-last-tier", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10, \"2001:db8::10\"", "profiles: [edge-udp]\n"),
                Profile("edge-udp", "ingress:\n- {action: Allow, protocol: UDP}\n"),
                Normal("web-or-pass", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n- action: Pass\n")))
            .On(P.HostIn0)
            .AllowBy("web-or-pass#0", Tcp80)
            .AllowBy("profile edge-udp#0", Udp53)
            .DenyBy("host", Icmp);

        yield return new VerdictCase("profiles-not-reached-when-tier-ends-deny", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Normal("web-only", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n")))
            .On(P.HostIn0)
            .AllowBy("web-only#0", Tcp80)
            .DenyBy("tier default", "udp 203.0.113.5:40000 -> 192.0.2.10:53");

        yield return new VerdictCase("profile-pass-moves-to-next-profile", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10, \"2001:db8::10\"", "profiles: [p-first, p-second]\n"),
                Profile("p-first", "ingress:\n- {action: Pass, protocol: UDP}\n- {action: Deny, protocol: UDP}\n- {action: Deny, protocol: TCP}\n"),
                Profile("p-second", "ingress:\n- action: Allow\n")))
            .On(P.HostIn0)
            .AllowBy("profile p-second#0", Udp53, Icmp)
            .DenyBy("profile p-first#2", Tcp80);

        yield return new VerdictCase("profile-pass-in-last-profile-drops", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [p-pass]\n"),
                Profile("p-pass", "ingress:\n- action: Pass\n- action: Allow\n")))
            .On(P.HostIn0)
            .DenyBy("host", Tcp80, "udp 203.0.113.5:1 -> 192.0.2.10:53");

        yield return new VerdictCase("profile-log-is-not-terminal", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [p-log]\n"),
                Profile("p-log", "ingress:\n- action: Log\n- {action: Allow, protocol: TCP}\n")))
            .On(P.HostIn0)
            .AllowBy("profile p-log#1", Tcp80).Logged(1)
            .DenyBy("host", "udp 203.0.113.5:1 -> 192.0.2.10:53").Logged(1);

        yield return new VerdictCase("profile-default-allow-builtin", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10, \"2001:db8::10\"", "profiles: [projectcalico-default-allow]\n")))
            .On(P.HostIn0).AllowBy("profile projectcalico-default-allow#0", Tcp80, Udp53, Icmp)
            .On(P.HostOut0).AllowBy("profile projectcalico-default-allow#0", "tcp 192.0.2.10:40000 -> 203.0.113.5:443", "udp [2001:db8::10]:1 -> [2001:db8:ff::5]:53")
            .On(P.PreDnat0).NoneBy("prednat", Tcp80)
            .On(P.FwdIn0).AllowBy("forward", Tcp80);

        yield return new VerdictCase("profile-egress-rules", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [egress-dns]\n"),
                Profile("egress-dns", "ingress:\n- action: Deny\negress:\n- {action: Allow, protocol: UDP, destination: {ports: [53]}}\n")))
            .On(P.HostOut0)
            .AllowBy("profile egress-dns#0", "udp 192.0.2.10:40000 -> 198.51.100.53:53")
            .DenyBy("host", "udp 192.0.2.10:40000 -> 198.51.100.53:54", "tcp 192.0.2.10:40000 -> 198.51.100.53:53")
            .On(P.HostIn0)
            .DenyBy("profile egress-dns#0", "udp 198.51.100.53:53 -> 192.0.2.10:40000");

        yield return new VerdictCase("profile-labels-inherited-by-policy-selector", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress, role: edge}", "192.0.2.10", "profiles: [dmz, projectcalico-default-allow]\n"),
                Hep1,
                Profile("dmz", "labelsToApply: {zone: dmz, role: inherited}\n"),
                Normal("dmz-own-label-wins", "ingress:\n- action: Deny\n", "zone == 'dmz' && role == 'edge'", 10),
                Normal("inherited-role", "ingress:\n- action: Allow\n", "role == 'inherited'", 5)))
            .On(P.HostIn0)
            .DenyBy("dmz-own-label-wins#0", Tcp80)
            .On(P.HostIn1)
            .DenyBy("host", "tcp 203.0.113.5:40000 -> 198.18.0.10:80");

        yield return new VerdictCase("profile-labels-inherited-by-rule-selector", Set(Hep0,
                Profile("team-a", "labelsToApply: {team: a}\n"),
                Profile("team-b", "labelsToApply: {team: b, extra: yes}\n"),
                Wep("prod", "a-1", "10.65.0.1/32", null, "profiles: [team-a, team-b]\n"),
                Wep("prod", "b-1", "10.65.0.2/32", null, "profiles: [team-b]\n"),
                Wep("prod", "own", "10.65.0.3/32", "{team: own}", "profiles: [team-a]\n"),
                PreDnat("p", "- {action: Allow, source: {selector: \"team == 'a'\"}}\n- {action: Deny, source: {selector: \"extra == 'yes'\"}}")))
            .On(P.PreDnat0)
            // a-1 gets team=a from its first profile (earlier profiles win) and extra=yes from the second.
            .AllowBy("p#0", "tcp 10.65.0.1:40000 -> 192.0.2.10:80")
            .DenyBy("p#1", "tcp 10.65.0.2:40000 -> 192.0.2.10:80")
            // own's own label overrides the inherited one.
            .None("tcp 10.65.0.3:40000 -> 192.0.2.10:80");

        yield return new VerdictCase("profile-not-used-by-forward-program", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Normal("fwd-web", "ingress:\n- {action: Allow, protocol: TCP, destination: {ports: [80]}}\n", applyOnForward: true)))
            .On(P.FwdIn0)
            .AllowBy("fwd-web#0", "tcp 203.0.113.5:40000 -> 10.65.0.1:80")
            .DenyBy("tier default", "udp 203.0.113.5:40000 -> 10.65.0.1:53");
    }
}
