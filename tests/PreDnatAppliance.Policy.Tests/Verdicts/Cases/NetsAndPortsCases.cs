using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>nets/notNets, ports/notPorts (numeric, ranges, named), source ports, the AND of fields, and rule IP families.</summary>
internal static class NetsAndPortsCases
{
    private static VerdictCase PreDnatCase(string name, string rules, params string[] more) =>
        new VerdictCase(name, Set(Hep0, PreDnat("p", rules)) + string.Concat(more)).On(P.PreDnat0);

    /// <summary>node1-eth0 with named ports, and two prod workloads that both define "http" on different numbers.</summary>
    private static readonly string NamedPortFixture = Set(
        Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10, \"2001:db8::10\"", """
            ports:
            - {name: https-np, protocol: TCP, port: 30443}
            - {name: dns-np, protocol: UDP, port: 30053}
            - {name: multi, protocol: TCP, port: 30100}
            - {name: multi, protocol: UDP, port: 30101}
            """),
        Wep("prod", "web-1", "10.65.0.1/32, \"fd00:65::1/128\"", "{app: web}", """
            ports:
            - {name: http, protocol: TCP, port: 8080}
            """),
        Wep("prod", "web-3", "10.65.0.9/32", "{app: other}", """
            ports:
            - {name: http, protocol: TCP, port: 9090}
            """));

    private static VerdictCase NamedPortCase(string name, string rules) =>
        new VerdictCase(name, NamedPortFixture + PreDnat("p", rules)).On(P.PreDnat0);

    public static IEnumerable<VerdictCase> All()
    {
        // ---- nets ----
        yield return PreDnatCase("source-nets-single-cidr", """
            - action: Allow
              source: {nets: [198.51.100.0/24]}
            """)
            .Allow("tcp 198.51.100.0:1 -> 192.0.2.10:80", "tcp 198.51.100.255:40000 -> 192.0.2.10:80", "udp 198.51.100.7:1 -> 192.0.2.10:53",
                "icmp 198.51.100.9 -> 192.0.2.10 type 8 code 0")
            .None("tcp 198.51.101.0:40000 -> 192.0.2.10:80", "tcp 198.51.99.255:40000 -> 192.0.2.10:80", "tcp 203.0.113.5:40000 -> 198.51.100.1:80");

        yield return PreDnatCase("source-nets-several-cidrs-ored", """
            - action: Deny
              source: {nets: [198.51.100.0/24, 203.0.113.7/32, 10.0.0.0/8]}
            """)
            .Deny("tcp 198.51.100.1:40000 -> 192.0.2.10:80", "tcp 203.0.113.7:40000 -> 192.0.2.10:80", "udp 10.255.0.1:1 -> 192.0.2.10:53",
                "icmp 10.0.0.0 -> 192.0.2.10 type 8 code 0")
            .None("tcp 203.0.113.8:40000 -> 192.0.2.10:80", "tcp 11.0.0.1:40000 -> 192.0.2.10:80", "tcp 9.255.255.255:1 -> 192.0.2.10:80");

        yield return PreDnatCase("destination-nets", """
            - action: Deny
              destination: {nets: [192.0.2.0/28, 192.0.2.128/32]}
            """)
            .Deny("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 203.0.113.5:40000 -> 192.0.2.15:80", "udp 203.0.113.5:1 -> 192.0.2.128:53")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.16:80", "tcp 192.0.2.10:40000 -> 203.0.113.5:80", "tcp 203.0.113.5:40000 -> 192.0.2.129:80");

        yield return PreDnatCase("source-not-nets", """
            - action: Deny
              source: {notNets: [10.0.0.0/8, 192.168.0.0/16]}
            """)
            .Deny("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "udp 172.16.0.1:1 -> 192.0.2.10:53", "icmp 11.0.0.1 -> 192.0.2.10 type 8 code 0")
            .None("tcp 10.1.2.3:40000 -> 192.0.2.10:80", "tcp 192.168.255.255:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("nets-minus-not-nets", """
            - action: Allow
              source: {nets: [198.51.100.0/24], notNets: [198.51.100.7/32, 198.51.100.128/25]}
            """)
            .Allow("tcp 198.51.100.1:40000 -> 192.0.2.10:80", "tcp 198.51.100.127:40000 -> 192.0.2.10:80")
            .None("tcp 198.51.100.7:40000 -> 192.0.2.10:80", "tcp 198.51.100.128:40000 -> 192.0.2.10:80", "tcp 198.51.100.255:40000 -> 192.0.2.10:80",
                "tcp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("destination-not-nets", """
            - action: Allow
              destination: {notNets: [192.0.2.128/25]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 203.0.113.5:40000 -> 192.0.2.127:80")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.128:80", "tcp 203.0.113.5:40000 -> 192.0.2.200:80");

        yield return PreDnatCase("source-and-destination-nets-anded", """
            - action: Allow
              source: {nets: [198.51.100.0/24]}
              destination: {nets: [192.0.2.10/32]}
            """)
            .Allow("tcp 198.51.100.1:40000 -> 192.0.2.10:80")
            .None("tcp 198.51.100.1:40000 -> 192.0.2.11:80", "tcp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("ipv6-nets", """
            - action: Allow
              source: {nets: ["2001:db8:ff::/48", "2001:db8:ee::1/128"]}
            - action: Deny
              destination: {nets: ["2001:db8::/64"]}
            """)
            .AllowBy("p#0", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80", "udp [2001:db8:ff:ffff::1]:1 -> [2001:db8::10]:53", "tcp [2001:db8:ee::1]:1 -> [2001:db8:5::1]:80")
            .DenyBy("p#1", "tcp [2001:db8:ee::2]:40000 -> [2001:db8::10]:80", "icmpv6 2001:db8:aa::1 -> 2001:db8::ffff type 128 code 0")
            .None("tcp [2001:db8:ee::2]:40000 -> [2001:db8:1::10]:80", "tcp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("ipv6-not-nets-rule-is-ipv6-only", """
            - action: Deny
              protocol: TCP
              source: {notNets: ["2001:db8:ff::/48"]}
            """)
            .Deny("tcp [2001:db8:aa::1]:40000 -> [2001:db8::10]:80", "tcp [::1]:1 -> [2001:db8::10]:80")
            .None("tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80",
                // The rule's CIDRs are IPv6, so the rule does not exist for IPv4: notNets cannot match an IPv4 packet.
                "tcp 203.0.113.5:40000 -> 192.0.2.10:80");

        // ---- numeric ports ----
        yield return PreDnatCase("ports-single", """
            - action: Allow
              protocol: TCP
              destination: {ports: [80]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:81", "tcp 203.0.113.5:80 -> 192.0.2.10:8080", "udp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("ports-range-inclusive", """
            - action: Allow
              protocol: TCP
              destination: {ports: ["30000:32767"]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:30000", "tcp 203.0.113.5:40000 -> 192.0.2.10:31852", "tcp 203.0.113.5:40000 -> 192.0.2.10:32767")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:29999", "tcp 203.0.113.5:40000 -> 192.0.2.10:32768");

        yield return PreDnatCase("ports-several-ored", """
            - action: Deny
              protocol: UDP
              destination: {ports: [53, "5000:5010", 65535, 1]}
            """)
            .Deny("udp 203.0.113.5:40000 -> 192.0.2.10:53", "udp 203.0.113.5:40000 -> 192.0.2.10:5000", "udp 203.0.113.5:40000 -> 192.0.2.10:5010",
                "udp 203.0.113.5:40000 -> 192.0.2.10:65535", "udp 203.0.113.5:40000 -> 192.0.2.10:1", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:5005")
            .None("udp 203.0.113.5:40000 -> 192.0.2.10:54", "udp 203.0.113.5:40000 -> 192.0.2.10:5011", "udp 203.0.113.5:40000 -> 192.0.2.10:0",
                "tcp 203.0.113.5:40000 -> 192.0.2.10:53");

        yield return PreDnatCase("not-ports", """
            - action: Deny
              protocol: TCP
              destination: {notPorts: [22, "6000:6100"]}
            """)
            .Deny("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 203.0.113.5:40000 -> 192.0.2.10:5999", "tcp 203.0.113.5:40000 -> 192.0.2.10:6101")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:22", "tcp 203.0.113.5:40000 -> 192.0.2.10:6000", "tcp [2001:db8:ff::5]:1 -> [2001:db8::10]:6100",
                "udp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return PreDnatCase("ports-and-not-ports", """
            - action: Allow
              protocol: TCP
              destination: {ports: ["1000:2000"], notPorts: [1500, "1900:1999"]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:1000", "tcp 203.0.113.5:40000 -> 192.0.2.10:1499", "tcp 203.0.113.5:40000 -> 192.0.2.10:2000")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:1500", "tcp 203.0.113.5:40000 -> 192.0.2.10:1950", "tcp 203.0.113.5:40000 -> 192.0.2.10:999");

        yield return PreDnatCase("source-ports", """
            - action: Allow
              protocol: UDP
              source: {ports: [53, 123]}
            """)
            .Allow("udp 198.51.100.53:53 -> 192.0.2.10:40000", "udp [2001:db8:ff::5]:123 -> [2001:db8::10]:123")
            .None("udp 198.51.100.53:40000 -> 192.0.2.10:53", "tcp 198.51.100.53:53 -> 192.0.2.10:40000");

        yield return PreDnatCase("source-not-ports", """
            - action: Deny
              protocol: TCP
              source: {notPorts: ["1024:65535"]}
            """)
            .Deny("tcp 203.0.113.5:80 -> 192.0.2.10:80", "tcp 203.0.113.5:1023 -> 192.0.2.10:80")
            .None("tcp 203.0.113.5:1024 -> 192.0.2.10:80", "tcp 203.0.113.5:65535 -> 192.0.2.10:80");

        yield return PreDnatCase("ports-with-protocol-number-and-sctp", """
            - action: Allow
              protocol: 6
              destination: {ports: [443]}
            - action: Deny
              protocol: SCTP
              destination: {ports: ["36412:36422"]}
            """)
            .AllowBy("p#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:443")
            .DenyBy("p#1", "sctp 203.0.113.5:40000 -> 192.0.2.10:36412")
            .None("udp 203.0.113.5:40000 -> 192.0.2.10:443", "sctp 203.0.113.5:40000 -> 192.0.2.10:443");

        yield return PreDnatCase("every-field-anded", """
            - action: Allow
              protocol: TCP
              source: {nets: [198.51.100.0/24], notNets: [198.51.100.66/32], ports: ["1024:65535"]}
              destination: {nets: [192.0.2.10/32], ports: [443]}
            """)
            .Allow("tcp 198.51.100.1:40000 -> 192.0.2.10:443")
            .None("udp 198.51.100.1:40000 -> 192.0.2.10:443", // protocol
                "tcp 203.0.113.1:40000 -> 192.0.2.10:443",      // source nets
                "tcp 198.51.100.66:40000 -> 192.0.2.10:443",    // source notNets
                "tcp 198.51.100.1:1000 -> 192.0.2.10:443",      // source ports
                "tcp 198.51.100.1:40000 -> 192.0.2.11:443",     // destination nets
                "tcp 198.51.100.1:40000 -> 192.0.2.10:444");    // destination ports

        // ---- named ports ----
        yield return NamedPortCase("named-port-of-host-endpoint", """
            - action: Allow
              protocol: TCP
              destination: {ports: [https-np]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:30443", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:30443")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.11:30443", "tcp 203.0.113.5:40000 -> 192.0.2.10:30444", "udp 203.0.113.5:40000 -> 192.0.2.10:30443",
                "tcp 203.0.113.5:40000 -> 10.65.0.1:30443");

        yield return NamedPortCase("named-port-resolves-per-endpoint", """
            - action: Allow
              protocol: TCP
              destination: {ports: [http]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "tcp [2001:db8:ff::5]:40000 -> [fd00:65::1]:8080", "tcp 203.0.113.5:40000 -> 10.65.0.9:9090")
            .None("tcp 203.0.113.5:40000 -> 10.65.0.1:9090", "tcp 203.0.113.5:40000 -> 10.65.0.9:8080", "tcp 203.0.113.5:40000 -> 192.0.2.10:8080");

        yield return NamedPortCase("named-and-numeric-ports-ored", """
            - action: Deny
              protocol: TCP
              destination: {ports: [http, 22, "30000:30010"]}
            """)
            .Deny("tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", "tcp 203.0.113.5:40000 -> 192.0.2.99:30005",
                "tcp 203.0.113.5:40000 -> 10.65.0.9:9090")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:8080", "tcp 203.0.113.5:40000 -> 10.65.0.1:23");

        yield return NamedPortCase("named-port-narrowed-by-rule-protocol", """
            - action: Allow
              protocol: UDP
              destination: {ports: [multi]}
            """)
            .Allow("udp 203.0.113.5:40000 -> 192.0.2.10:30101")
            .None("udp 203.0.113.5:40000 -> 192.0.2.10:30100", "tcp 203.0.113.5:40000 -> 192.0.2.10:30100");

        yield return NamedPortCase("named-port-without-protocol-uses-each-ports-protocol", """
            - action: Allow
              destination: {ports: [multi, dns-np]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:30100", "udp 203.0.113.5:40000 -> 192.0.2.10:30101", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:30053")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:30101", "udp 203.0.113.5:40000 -> 192.0.2.10:30100", "tcp 203.0.113.5:40000 -> 192.0.2.10:30053",
                "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0");

        yield return NamedPortCase("named-port-narrowed-by-selector", """
            - action: Allow
              protocol: TCP
              destination: {selector: "app == 'web'", ports: [http]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 10.65.0.1:8080")
            .None("tcp 203.0.113.5:40000 -> 10.65.0.9:9090", "tcp 203.0.113.5:40000 -> 10.65.0.1:9090");

        yield return NamedPortCase("named-not-ports", """
            - action: Deny
              protocol: TCP
              destination: {notPorts: [http]}
            """)
            .Deny("tcp 203.0.113.5:40000 -> 10.65.0.1:80", "tcp 203.0.113.5:40000 -> 10.65.0.9:8080", "tcp 203.0.113.5:40000 -> 192.0.2.10:8080")
            .None("tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "tcp 203.0.113.5:40000 -> 10.65.0.9:9090", "udp 203.0.113.5:40000 -> 10.65.0.1:80");

        yield return NamedPortCase("named-source-port", """
            - action: Allow
              protocol: TCP
              source: {ports: [http]}
            """)
            .Allow("tcp 10.65.0.1:8080 -> 192.0.2.10:40000", "tcp 10.65.0.9:9090 -> 192.0.2.10:40000")
            .None("tcp 10.65.0.1:9090 -> 192.0.2.10:40000", "tcp 203.0.113.5:8080 -> 192.0.2.10:40000");

        yield return NamedPortCase("named-port-nobody-defines-never-matches", """
            - action: Deny
              protocol: TCP
              destination: {ports: [nosuch]}
            """)
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:30443", "tcp 203.0.113.5:40000 -> 10.65.0.1:8080", "tcp 203.0.113.5:40000 -> 192.0.2.10:0");

        // ---- rule IP family ----
        yield return PreDnatCase("family-ipv4-nets-never-match-ipv6", """
            - action: Deny
              destination: {nets: [0.0.0.0/0]}
            """)
            .Deny("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0")
            .None("tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0", "udp [::]:1 -> [::]:2");

        yield return PreDnatCase("family-ipv4-not-nets-rule-is-ipv4-only", """
            - action: Deny
              source: {notNets: [10.0.0.0/8]}
            """)
            .Deny("tcp 203.0.113.5:40000 -> 192.0.2.10:80")
            .None("tcp 10.0.0.1:40000 -> 192.0.2.10:80", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80");

        yield return PreDnatCase("family-ipv6-nets-never-match-ipv4", """
            - action: Allow
              source: {nets: ["::/0"]}
            """)
            .Allow("tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80", "icmpv6 fe80::1 -> 2001:db8::10 type 135 code 0")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "udp 0.0.0.0:68 -> 255.255.255.255:67");

        yield return PreDnatCase("family-protocol-only-rule-matches-both", """
            - action: Allow
              protocol: TCP
              destination: {ports: [443]}
            """)
            .Allow("tcp 203.0.113.5:40000 -> 192.0.2.10:443", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:443");

        yield return PreDnatCase("family-icmp-and-icmpv6-rules-side-by-side", """
            - action: Deny
              protocol: ICMP
              icmp: {type: 128}
            - action: Allow
              protocol: ICMPv6
              icmp: {type: 128}
            - action: Allow
              protocol: ICMP
              icmp: {type: 8}
            - action: Deny
              protocol: ICMPv6
            """)
            .DenyBy("p#0", "icmp 203.0.113.5 -> 192.0.2.10 type 128 code 0")
            .AllowBy("p#1", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 128 code 0")
            .AllowBy("p#2", "icmp 203.0.113.5 -> 192.0.2.10 type 8 code 0")
            .DenyBy("p#3", "icmpv6 2001:db8:ff::5 -> 2001:db8::10 type 8 code 0")
            .None("icmp 203.0.113.5 -> 192.0.2.10 type 0 code 0");
    }
}
