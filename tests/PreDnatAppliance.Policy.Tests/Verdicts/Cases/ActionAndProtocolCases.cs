using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>Rule actions, ipVersion, protocol/notProtocol and ICMP matches, on node1-eth0's pre-DNAT program.</summary>
internal static class ActionAndProtocolCases
{
    /// <summary>node1-eth0 with one pre-DNAT policy "p" holding <paramref name="rules"/>; evaluates its pre-DNAT program.</summary>
    private static VerdictCase PreDnatCase(string name, string rules, params string[] more) =>
        new VerdictCase(name, Set(Hep0, PreDnat("p", rules)) + string.Concat(more)).On(P.PreDnat0);

    public static IEnumerable<VerdictCase> All()
    {
        yield return PreDnatCase("action-allow-matches-everything", """
            - action: Allow
            """)
            .AllowBy("p#0",
                "tcp 203.0.113.5:40000 -> 192.0.2.10:80",
                "udp 203.0.113.5:5353 -> 192.0.2.10:53",
                "sctp 203.0.113.5:9 -> 192.0.2.10:9",
                "udplite 203.0.113.5:9 -> 192.0.2.10:9",
                "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0",
                "47 203.0.113.5 -> 192.0.2.10",
                "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:443",
                "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0");

        yield return PreDnatCase("action-deny-matches-everything", """
            - action: Deny
            """)
            .DenyBy("p#0",
                "tcp 203.0.113.5:40000 -> 192.0.2.10:80",
                "udp 10.0.0.1:1 -> 192.0.2.10:65535",
                "icmp 0.0.0.0 -> 255.255.255.255 type 0 code 0",
                "tcp [::1]:1 -> [2001:db8::10]:22",
                "50 2001:db8:ff::5 -> 2001:db8::10");

        yield return PreDnatCase("action-log-is-not-terminal", """
            - action: Log
            - action: Allow
              protocol: TCP
            - action: Log
              protocol: UDP
            """)
            .AllowBy("p#1", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:80").Logged(1)
            .NoneBy("prednat", "udp 203.0.113.5:40000 -> 192.0.2.10:53").Logged(2)
            .NoneBy("prednat", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0").Logged(1);

        yield return PreDnatCase("action-log-then-deny-same-match", """
            - action: Log
              source: {nets: [203.0.113.0/24]}
            - action: Deny
              source: {nets: [203.0.113.0/24]}
            """)
            .DenyBy("p#1", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "icmp 203.0.113.200 -> 192.0.2.10 type 3 code 1").Logged(1)
            .None("tcp 198.51.100.1:40000 -> 192.0.2.10:80").Logged(0);

        yield return PreDnatCase("action-log-only-policy-decides-nothing", """
            - action: Log
            - action: Log
              protocol: TCP
            """)
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:80").Logged(2)
            .None("udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:53").Logged(1);

        yield return new VerdictCase("action-pass-skips-rest-of-policy-and-tier", Set(Hep0,
                PreDnat("p", """
                    - action: Pass
                      protocol: UDP
                    - action: Deny
                    """, order: 10),
                PreDnat("q", """
                    - action: Deny
                    """, order: 20)))
            .On(P.PreDnat0)
            .NoneBy("prednat", "udp 203.0.113.5:40000 -> 192.0.2.10:53", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53")
            .DenyBy("p#1", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0");

        yield return PreDnatCase("ipversion-4", """
            - action: Allow
              ipVersion: 4
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "udp 203.0.113.5:1 -> 192.0.2.10:53", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0")
            .None("tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0");

        yield return PreDnatCase("ipversion-6", """
            - action: Deny
              ipVersion: 6
            """)
            .Deny("tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 135 code 0")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0");

        yield return PreDnatCase("ipversion-with-protocol", """
            - action: Deny
              ipVersion: 6
              protocol: TCP
            - action: Allow
              ipVersion: 4
              protocol: TCP
            """)
            .DenyBy("p#0", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:22")
            .AllowBy("p#1", "tcp 203.0.113.5:40000 -> 192.0.2.10:22")
            .None("udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:22", "udp 203.0.113.5:40000 -> 192.0.2.10:22");

        yield return PreDnatCase("protocol-tcp", """
            - action: Allow
              protocol: TCP
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 203.0.113.5:1 -> 192.0.2.10:65535", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80")
            .None("udp 203.0.113.5:40000 -> 192.0.2.10:80", "sctp 203.0.113.5:40000 -> 192.0.2.10:80", "udplite 203.0.113.5:40000 -> 192.0.2.10:80",
                "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0");

        yield return PreDnatCase("protocol-udp", """
            - action: Deny
              protocol: UDP
            """)
            .Deny("udp 203.0.113.5:40000 -> 192.0.2.10:53", "udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:53")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:53", "udplite 203.0.113.5:40000 -> 192.0.2.10:53", "sctp [2001:db8:ff::5]:1 -> [2001:db8::10]:53");

        yield return PreDnatCase("protocol-icmp-is-ipv4-only", """
            - action: Allow
              protocol: ICMP
            """)
            .Allow("icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 0 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 3 code 4")
            .None("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0",
                // An IPv6 packet whose next header is 1: the rule is IPv4-only, so it never matches IPv6.
                "icmp 2001:db8:ff::5 -> 2001:db8::10",
                "tcp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("protocol-icmpv6-is-ipv6-only", """
            - action: Deny
              protocol: ICMPv6
            """)
            .Deny("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0", "icmpv6 fe80::1 -> 2001:db8::10 type 135 code 0")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0",
                // An IPv4 packet with protocol 58: the rule is IPv6-only.
                "icmpv6 203.0.113.5 -> 192.0.2.10",
                "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53");

        yield return PreDnatCase("protocol-sctp", """
            - action: Allow
              protocol: SCTP
              destination: {ports: [3868]}
            """)
            .Allow("sctp 203.0.113.5:3868 -> 192.0.2.10:3868", "sctp [2001:db8:ff::5]:1 -> [2001:db8::10]:3868")
            .None("sctp 203.0.113.5:3868 -> 192.0.2.10:3869", "tcp 203.0.113.5:3868 -> 192.0.2.10:3868", "udp 203.0.113.5:3868 -> 192.0.2.10:3868");

        yield return PreDnatCase("protocol-udplite", """
            - action: Allow
              protocol: UDPLite
            """)
            .Allow("udplite 203.0.113.5:5000 -> 192.0.2.10:5000", "udplite [2001:db8:ff::5]:5000 -> [2001:db8::10]:5000", "136 203.0.113.5:1 -> 192.0.2.10:2")
            .None("udp 203.0.113.5:5000 -> 192.0.2.10:5000", "tcp 203.0.113.5:5000 -> 192.0.2.10:5000");

        yield return PreDnatCase("protocol-numbers", """
            - action: Allow
              protocol: 6
            - action: Deny
              protocol: 17
            - action: Allow
              protocol: 47
            - action: Deny
              protocol: "132"
            - action: Allow
              protocol: 136
            - action: Deny
              protocol: 255
            """)
            .AllowBy("p#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:80")
            .DenyBy("p#1", "udp 203.0.113.5:40000 -> 192.0.2.10:53", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53")
            .AllowBy("p#2", "47 203.0.113.5 -> 192.0.2.10", "47 2001:db8:ff::5 -> 2001:db8::10")
            .DenyBy("p#3", "sctp 203.0.113.5:1 -> 192.0.2.10:2")
            .AllowBy("p#4", "udplite 203.0.113.5:1 -> 192.0.2.10:2")
            .DenyBy("p#5", "255 203.0.113.5 -> 192.0.2.10")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", "50 203.0.113.5 -> 192.0.2.10", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0");

        // Felix's ipVersionToProtoIPVersion infers the family from the protocol *name* only (after the v1
        // lower-casing, "icmp" and "icmpv6"); a rule written with the number 1 or 58 exists in both families.
        yield return PreDnatCase("protocol-icmp-numbers-imply-no-ip-family", """
            - action: Deny
              protocol: 1
            - action: Allow
              protocol: 58
            """)
            .DenyBy("p#0", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", "1 2001:db8:ff::5 -> 2001:db8::10")
            .AllowBy("p#1", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0", "58 203.0.113.5 -> 192.0.2.10")
            .None("tcp 203.0.113.5:1 -> 192.0.2.10:2");

        yield return PreDnatCase("protocol-names-and-numbers-are-the-same-protocol", """
            - action: Deny
              protocol: TCP
              destination: {ports: [22]}
            - action: Allow
              protocol: 6
            - action: Allow
              protocol: SCTP
            - action: Deny
              protocol: 132
            """)
            .DenyBy("p#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:22")
            .AllowBy("p#1", "tcp 203.0.113.5:40000 -> 192.0.2.10:23")
            .AllowBy("p#2", "sctp 203.0.113.5:40000 -> 192.0.2.10:22", "132 203.0.113.5:1 -> 192.0.2.10:2");

        yield return PreDnatCase("not-protocol-name", """
            - action: Deny
              notProtocol: TCP
            """)
            .Deny("udp 203.0.113.5:40000 -> 192.0.2.10:53", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", "sctp 203.0.113.5:1 -> 192.0.2.10:2",
                "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80");

        yield return PreDnatCase("not-protocol-number-and-icmpv6-name", """
            - action: Allow
              notProtocol: 17
              source: {nets: [203.0.113.0/24]}
            - action: Deny
              notProtocol: ICMPv6
              source: {nets: ["2001:db8:ff::/48"]}
            """)
            .AllowBy("p#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0")
            .None("udp 203.0.113.5:40000 -> 192.0.2.10:53", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0")
            .DenyBy("p#1", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80", "udp [2001:db8:ff::5]:40000 -> [2001:db8::10]:53");

        yield return PreDnatCase("protocol-and-not-protocol-both-must-hold", """
            - action: Deny
              protocol: UDP
              notProtocol: UDP
            - action: Allow
              protocol: TCP
              notProtocol: UDP
            """)
            .None("udp 203.0.113.5:40000 -> 192.0.2.10:53", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0")
            .AllowBy("p#1", "tcp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("icmp-type", """
            - action: Allow
              protocol: ICMP
              icmp: {type: 8}
            """)
            .Allow("icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 7")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 0 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 3 code 8",
                "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 8 code 0", "tcp 203.0.113.5:8 -> 192.0.2.10:8");

        yield return PreDnatCase("icmp-type-and-code", """
            - action: Deny
              protocol: ICMP
              icmp: {type: 3, code: 4}
            - action: Allow
              protocol: ICMP
              icmp: {type: 3}
            """)
            .DenyBy("p#0", "icmp 203.0.113.5 -> 192.0.2.10 type 3 code 4")
            .AllowBy("p#1", "icmp 203.0.113.5 -> 192.0.2.10 type 3 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 3 code 5")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 4 code 4", "icmp 203.0.113.5 -> 192.0.2.10 type 11 code 0");

        yield return PreDnatCase("icmpv6-type", """
            - action: Allow
              protocol: ICMPv6
              icmp: {type: 128}
            """)
            .Allow("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 1")
            .None("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 129 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 128 code 0",
                "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0");

        yield return PreDnatCase("icmpv6-type-and-code-with-ipversion", """
            - action: Deny
              ipVersion: 6
              protocol: ICMPv6
              icmp: {type: 1, code: 4}
            """)
            .Deny("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 1 code 4")
            .None("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 1 code 3", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 4 code 1",
                "icmp 203.0.113.5 -> 192.0.2.10 type 1 code 4");

        yield return PreDnatCase("not-icmp-type", """
            - action: Allow
              protocol: ICMP
              notICMP: {type: 8}
            """)
            .Allow("icmp 203.0.113.5 -> 192.0.2.10 type 0 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 3 code 1", "icmp 203.0.113.5 -> 192.0.2.10 type 11 code 0")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 3", "tcp 203.0.113.5:1 -> 192.0.2.10:8");

        yield return PreDnatCase("not-icmp-type-and-code", """
            - action: Deny
              protocol: ICMPv6
              notICMP: {type: 1, code: 3}
            """)
            .Deny("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 1 code 0", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 3 code 1",
                "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0")
            .None("icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 1 code 3", "icmp 203.0.113.5 -> 192.0.2.10 type 1 code 0");

        yield return PreDnatCase("icmp-and-not-icmp-together", """
            - action: Allow
              protocol: ICMP
              icmp: {type: 3}
              notICMP: {type: 3, code: 4}
            """)
            .Allow("icmp 203.0.113.5 -> 192.0.2.10 type 3 code 0", "icmp 203.0.113.5 -> 192.0.2.10 type 3 code 13")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 3 code 4", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0");

        // Calico accepts notICMP beside a non-ICMP protocol (a warning here); it cannot exclude anything.
        yield return PreDnatCase("not-icmp-beside-tcp-excludes-nothing", """
            - action: Allow
              protocol: TCP
              notICMP: {type: 8}
            """)
            .Warns("PDA1127")
            .Allow("tcp 203.0.113.5:8 -> 192.0.2.10:8", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:2")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 0 code 0");
    }
}
