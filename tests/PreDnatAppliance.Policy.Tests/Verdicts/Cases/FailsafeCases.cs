using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>
/// Inbound failsafes as docs/semantics.md choice 5 describes them (iptables): matched on the pre-DNAT
/// destination port and the source against net, whatever the destination; in pre-DNAT a hit only skips
/// pre-DNAT policy, the host stage has its own check, and forward chains have none.
/// </summary>
internal static class FailsafeCases
{
    private static readonly string DenyAllPreDnat = PreDnat("deny-all", "- action: Deny", 100);

    private const string Hit = "untracked:pass prednat:pass@failsafe host:allow@failsafe";
    private const string Miss = "untracked:pass prednat:deny@deny-all";

    public static IEnumerable<ExplainCase> All()
    {
        yield return new ExplainCase("failsafe-felix-defaults-beat-prednat-deny-all", Set(Hep0, DenyAllPreDnat))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Hit)
            .Accept("eth0", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:22", Hit)
            .Accept("eth0", "udp 0.0.0.0:67 -> 192.0.2.10:68", Hit)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:179", Hit)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:2379", Hit)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:2380", Hit)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:5473", Hit)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:6443", Hit)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:6666", Hit)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:6667", Hit)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:23", Miss)
            .Drop("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:22", Miss)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:68", Miss)
            // udp:53 and udp:67 are outbound-only defaults
            .Drop("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:53", Miss)
            .Drop("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:67", Miss)
            // a failsafe matches the destination port, never the source port
            .Drop("eth0", "tcp 203.0.113.5:22 -> 192.0.2.10:40000", Miss)
            .Drop("eth0", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", Miss);

        yield return new ExplainCase("failsafe-host-stage-has-its-own-check", Set(Hep0, Normal("host-deny", "ingress:\n- action: Deny\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "untracked:pass prednat:pass@prednat host:allow@failsafe")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:pass prednat:pass host:deny@host-deny");

        yield return new ExplainCase("failsafe-prednat-allow-not-needed-policy-allow-wins", Set(Hep0,
                PreDnat("allow-ssh", "- {action: Allow, protocol: TCP, destination: {ports: [22]}}", 10), DenyAllPreDnat))
            // the failsafe is checked before pre-DNAT policy, so the hit is the failsafe's, not the policy's
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Hit);

        yield return new ExplainCase("failsafe-does-not-cover-forward-chains", Set(Hep0,
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web}", "profiles: [projectcalico-default-allow]\n"),
                DenyAllPreDnat,
                Normal("fwd-deny", "ingress:\n- action: Deny\n", applyOnForward: true)))
            // the pre-DNAT failsafe matches on the original port whatever the destination...
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:22", "untracked:pass prednat:pass@failsafe forward:deny@fwd-deny")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:6443", "untracked:pass prednat:pass@failsafe forward:deny@fwd-deny")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:23", "untracked:pass prednat:deny@deny-all")
            // ...but host policy still gets its own failsafe.
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "untracked:pass prednat:pass@failsafe host:allow@failsafe");

        yield return new ExplainCase("failsafe-forwarded-without-forward-policy", Set(Hep0,
                Wep("prod", "web-1", "10.65.0.1/32", "{app: web}", "profiles: [projectcalico-default-allow]\n"),
                DenyAllPreDnat))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 10.65.0.1:22", "untracked:pass prednat:pass@failsafe forward:allow@forward workload:allow")
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 198.18.7.7:179", "untracked:pass prednat:pass@failsafe forward:allow@forward");

        yield return new ExplainCase("failsafe-custom-list-with-source-net", Set(Hep0, DenyAllPreDnat,
                Felix("default", """
                    failsafeInboundHostPorts:
                    - {protocol: TCP, port: 22, net: 10.0.0.0/8}
                    - {protocol: UDP, port: 161}
                    """)))
            .Accept("eth0", "tcp 10.1.1.1:40000 -> 192.0.2.10:22", Hit)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Miss)
            .Drop("eth0", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:22", Miss)
            .Accept("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:161", Hit)
            .Accept("eth0", "udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:161", Hit)
            // the configured list replaces Felix's defaults
            .Drop("eth0", "udp 0.0.0.0:67 -> 192.0.2.10:68", Miss)
            .Drop("eth0", "tcp 10.1.1.1:40000 -> 192.0.2.10:6443", Miss);

        yield return new ExplainCase("failsafe-ipv6-source-net", Set(Hep0, DenyAllPreDnat,
                Felix("default", "failsafeInboundHostPorts:\n- {protocol: UDP, port: 53, net: \"2001:db8:ff::/48\"}\n")))
            .Accept("eth0", "udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:53", Hit)
            .Drop("eth0", "udp [2001:db8:aa::5]:40000 -> [2001:db8::10]:53", Miss)
            .Drop("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:53", Miss);

        yield return new ExplainCase("failsafe-protocol-defaults-to-tcp", Set(Hep0, DenyAllPreDnat,
                Felix("default", "failsafeInboundHostPorts:\n- {port: 8080}\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:8080", Hit)
            .Drop("eth0", "udp 203.0.113.5:40000 -> 192.0.2.10:8080", Miss)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Miss);

        yield return new ExplainCase("failsafe-empty-list-disables", Set(Hep0, DenyAllPreDnat,
                Felix("default", "failsafeInboundHostPorts: []\n")))
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Miss)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:6443", Miss)
            .Drop("eth0", "udp 0.0.0.0:67 -> 192.0.2.10:68", Miss);

        yield return new ExplainCase("failsafe-empty-list-disables-host-stage-too", Set(Hep0,
                Felix("default", "failsafeInboundHostPorts: []\nfailsafeOutboundHostPorts: []\n")))
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "untracked:pass prednat:pass host:deny@host");

        yield return new ExplainCase("failsafe-outbound-list-does-not-affect-inbound", Set(Hep0, DenyAllPreDnat,
                Felix("default", "failsafeOutboundHostPorts:\n- {protocol: TCP, port: 8443}\n")))
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:8443", Miss)
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Hit);

        yield return new ExplainCase("failsafe-node-configuration-overrides-default", Set(Hep0, DenyAllPreDnat,
                Felix("default", "failsafeInboundHostPorts: []\n"),
                Felix("node.node1", "failsafeInboundHostPorts:\n- {protocol: TCP, port: 2222}\n"),
                Felix("node.node2", "failsafeInboundHostPorts:\n- {protocol: TCP, port: 22}\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:2222", Hit)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Miss);

        yield return new ExplainCase("failsafe-node-configuration-overrides-field-by-field", Set(Hep0, DenyAllPreDnat,
                Felix("default", "failsafeInboundHostPorts:\n- {protocol: TCP, port: 2222}\n"),
                Felix("node.node1", "failsafeOutboundHostPorts: []\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:2222", Hit)
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Miss);

        yield return new ExplainCase("failsafe-other-nodes-configuration-ignored", Set(Hep0, DenyAllPreDnat,
                Felix("node.node2", "failsafeInboundHostPorts: []\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", Hit);

        // In the raw table, cali-failsafe-in also accepts replies from outbound failsafe ports (source port,
        // source against net), so that untracked policy cannot catch them; mangle and filter do not.
        yield return new ExplainCase("failsafe-raw-accepts-replies-from-outbound-failsafe-ports", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10, \"2001:db8::10\"", "profiles: [projectcalico-default-allow]\n"),
                Untracked("raw-deny-all", "ingress:\n- action: Deny\n")))
            .Accept("eth0", "udp 198.51.100.53:53 -> 192.0.2.10:40000", "untracked:pass@failsafe prednat:pass host:allow@profile projectcalico-default-allow")
            .Accept("eth0", "tcp [2001:db8:ff::5]:6443 -> [2001:db8::10]:40000", "untracked:pass@failsafe prednat:pass host:allow")
            .Drop("eth0", "udp 198.51.100.53:54 -> 192.0.2.10:40000", "untracked:deny@raw-deny-all")
            // an inbound failsafe's port as a source port is not exempt
            .Drop("eth0", "tcp 198.51.100.53:22 -> 192.0.2.10:40000", "untracked:deny@raw-deny-all");

        yield return new ExplainCase("failsafe-raw-outbound-entry-net-is-the-reply-source", Set(
                Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
                Untracked("raw-deny-all", "ingress:\n- action: Deny\n"),
                PreDnat("prednat-deny-ntp-replies", "- {action: Deny, protocol: UDP, source: {ports: [123]}}"),
                Felix("default", """
                    failsafeOutboundHostPorts:
                    - {protocol: TCP, port: 443, net: 198.51.100.0/24}
                    - {protocol: UDP, port: 123}
                    """)))
            .Accept("eth0", "tcp 198.51.100.1:443 -> 192.0.2.10:40000", "untracked:pass@failsafe prednat:pass host:allow")
            .Drop("eth0", "tcp 203.0.113.5:443 -> 192.0.2.10:40000", "untracked:deny@raw-deny-all")
            .Drop("eth0", "udp 198.51.100.53:53 -> 192.0.2.10:40000", "untracked:deny@raw-deny-all")
            // only the raw table exempts replies: pre-DNAT policy still sees them
            .Drop("eth0", "udp 198.51.100.1:123 -> 192.0.2.10:40000", "untracked:pass@failsafe prednat:deny@prednat-deny-ntp-replies");

        yield return new ExplainCase("failsafe-in-untracked-stage", Set(Hep0,
                Untracked("raw-deny-all", "ingress:\n- action: Deny\n")))
            .Accept("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "untracked:pass@failsafe prednat:pass@prednat host:allow@failsafe")
            .Drop("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "untracked:deny@raw-deny-all");
    }
}
