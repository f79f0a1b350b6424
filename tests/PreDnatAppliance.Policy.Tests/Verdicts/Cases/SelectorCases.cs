using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts.Cases;

/// <summary>
/// Selector operators in rule and policy selectors (with Calico's absent-label semantics), notSelector,
/// namespaceSelector (labels, global(), all()), serviceAccounts, and what each kind of entity contributes to a set.
/// </summary>
internal static class SelectorCases
{
    // Rule selectors are tried against five workloads and the host endpoint; a matching source is allowed.
    //   s1 10.70.0.1  app=web tier=frontend version=v1.2.3
    //   s2 10.70.0.2  app=db tier=backend example.com/team=a
    //   s3 10.70.0.3  (no labels of its own)
    //   s4 10.70.0.4  app=webapp env=prod
    //   s5 10.70.0.5  app=api-web tier=frontend
    //   node1-eth0 192.0.2.10  host-endpoint=ingress role=edge
    private static readonly string OperatorFixture = Set(
        Hep0,
        Wep("sel", "s1", "10.70.0.1/32", "{app: web, tier: frontend, version: v1.2.3}"),
        Wep("sel", "s2", "10.70.0.2/32", "{app: db, tier: backend, example.com/team: a}"),
        Wep("sel", "s3", "10.70.0.3/32"),
        Wep("sel", "s4", "10.70.0.4/32", "{app: webapp, env: prod}"),
        Wep("sel", "s5", "10.70.0.5/32", "{app: api-web, tier: frontend}"));

    private static readonly (string Name, string Address)[] Sources =
    {
        ("s1", "10.70.0.1"), ("s2", "10.70.0.2"), ("s3", "10.70.0.3"), ("s4", "10.70.0.4"), ("s5", "10.70.0.5"), ("hep", "192.0.2.10"),
    };

    /// <summary>A rule "Allow from selector"; exactly the named sources are allowed, the rest (and a non-Calico IP) get no decision.</summary>
    private static VerdictCase Operator(string name, string selector, params string[] matching)
    {
        var c = new VerdictCase(name, OperatorFixture + PreDnat("p", $$"""
            - action: Allow
              source: {selector: "{{selector}}"}
            """)).On(P.PreDnat0);
        foreach (var (source, address) in Sources)
        {
            var packet = $"tcp {address}:40000 -> 192.0.2.11:80";
            if (matching.Contains(source))
                c.AllowBy("p#0", packet);
            else
                c.None(packet);
        }
        return c.None("tcp 198.51.100.1:40000 -> 192.0.2.11:80");
    }

    // Policy selectors are tried against three host endpoints on node1:
    //   node1-eth0 host-endpoint=ingress role=edge; node1-eth1 host-endpoint=internal; node1-eth2 no labels.
    private static readonly string HepFixture = Set(
        Hep0,
        Hep1,
        Hep("node1-eth2", "eth2", null, "198.19.0.10"));

    /// <summary>A deny-all pre-DNAT policy with this selector: the selected HEPs deny, the others give no decision.</summary>
    private static VerdictCase PolicySelector(string name, string selector, params string[] selected)
    {
        var c = new VerdictCase(name, HepFixture + PreDnat("p", "- action: Deny", selector: selector));
        foreach (var hep in new[] { "node1-eth0", "node1-eth1", "node1-eth2" })
        {
            c.On(P.Hep(hep, "prednat"));
            if (selected.Contains(hep))
                c.DenyBy("p#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53");
            else
                c.None("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53");
        }
        return c;
    }

    // Namespaces prod (env=production) and dev (env=development) have kns profiles; ns tmp has none.
    private static readonly string NamespaceFixture = Set(
        Hep0,
        Namespace("prod", "env: production"),
        Namespace("dev", "env: development"),
        Wep("prod", "web-1", "10.65.0.1/32, \"fd00:65::1/128\"", "{app: web}"),
        Wep("prod", "db-1", "10.65.0.2/32", "{app: db}"),
        Wep("dev", "web-2", "10.65.1.1/32", "{app: web}"),
        Wep("tmp", "scratch", "10.65.2.1/32", "{app: web}"),
        GlobalNetworkSet("blocklist", "{set: blocked}", "203.0.113.0/24"),
        NetworkSet("prod", "partners", "{set: partners}", "198.51.100.0/28"));

    private static VerdictCase NamespaceCase(string name, string entityRule) =>
        new VerdictCase(name, NamespaceFixture + PreDnat("p", $$"""
            - action: Allow
              source: {{entityRule}}
            """)).On(P.PreDnat0);

    // Service accounts: prod/web-1 runs as "frontend" (ksa profile role=web), prod/db-1 as "backend" (role=db),
    // dev/web-2 as "frontend" in dev (no ksa profile), prod/bare has none.
    private static readonly string ServiceAccountFixture = Set(
        Hep0,
        ServiceAccount("prod", "frontend", "role: web"),
        ServiceAccount("prod", "backend", "role: db"),
        Wep("prod", "web-1", "10.65.0.1/32", "{app: web}", "serviceAccountName: frontend\n"),
        Wep("prod", "db-1", "10.65.0.2/32", "{app: db}", "serviceAccountName: backend\n"),
        Wep("dev", "web-2", "10.65.1.1/32", "{app: web}", "serviceAccountName: frontend\n"),
        Wep("prod", "bare", "10.65.0.3/32"));

    private static VerdictCase ServiceAccountCase(string name, string entityRule) =>
        new VerdictCase(name, ServiceAccountFixture + PreDnat("p", $$"""
            - action: Deny
              source: {{entityRule}}
            """)).On(P.PreDnat0);

    public static IEnumerable<VerdictCase> All()
    {
        // ---- every operator in a rule selector ----
        yield return Operator("selector-op-equals", "app == 'web'", "s1");
        yield return Operator("selector-op-equals-double-quotes", "role == \\\"edge\\\"", "hep");
        yield return Operator("selector-op-not-equals-matches-absent-label", "app != 'web'", "s2", "s3", "s4", "s5", "hep");
        yield return Operator("selector-op-in", "app in {'web', 'db'}", "s1", "s2");
        yield return Operator("selector-op-in-empty-set", "app in {}");
        yield return Operator("selector-op-not-in-matches-absent-label", "app not in {'web', 'db'}", "s3", "s4", "s5", "hep");
        yield return Operator("selector-op-notin-one-word", "tier notin {'frontend'}", "s2", "s3", "s4", "hep");
        yield return Operator("selector-op-not-in-empty-set", "tier not in {}", "s1", "s2", "s3", "s4", "s5", "hep");
        yield return Operator("selector-op-has", "has(tier)", "s1", "s2", "s5");
        yield return Operator("selector-op-not-has", "!has(tier)", "s3", "s4", "hep");
        yield return Operator("selector-op-double-negation", "!!has(app)", "s1", "s2", "s4", "s5");
        yield return Operator("selector-op-not-equals-is-not-not-has", "!has(app) || app != 'web'", "s2", "s3", "s4", "s5", "hep");
        yield return Operator("selector-op-and", "tier == 'frontend' && app == 'web'", "s1");
        yield return Operator("selector-op-or", "app == 'db' || env == 'prod'", "s2", "s4");
        yield return Operator("selector-op-and-binds-tighter-than-or", "has(env) || app == 'web' && tier == 'backend'", "s4");
        yield return Operator("selector-op-parentheses", "(has(env) || app == 'web') && tier == 'frontend'", "s1");
        yield return Operator("selector-op-negated-group", "!(app == 'web' || app == 'db')", "s3", "s4", "s5", "hep");
        yield return Operator("selector-op-all", "all()", "s1", "s2", "s3", "s4", "s5", "hep");
        yield return Operator("selector-op-contains", "app contains 'web'", "s1", "s4", "s5");
        yield return Operator("selector-op-contains-absent-label-is-false", "env contains ''", "s4");
        yield return Operator("selector-op-starts-with", "app starts with 'web'", "s1", "s4");
        yield return Operator("selector-op-ends-with", "app ends with 'web'", "s1", "s5");
        yield return Operator("selector-op-contains-dots", "version contains '.2.'", "s1");
        yield return Operator("selector-op-prefixed-label-key", "example.com/team == 'a'", "s2");
        yield return Operator("selector-op-calico-namespace-label", "projectcalico.org/namespace == 'sel' && !has(tier)", "s3", "s4");
        yield return Operator("selector-op-has-namespace-label-only-workloads", "has(projectcalico.org/namespace)", "s1", "s2", "s3", "s4", "s5");

        // ---- policy selectors: which host endpoints a policy applies to ----
        yield return PolicySelector("policy-selector-equals", "role == 'edge'", "node1-eth0");
        yield return PolicySelector("policy-selector-not-equals-selects-unlabelled", "role != 'edge'", "node1-eth1", "node1-eth2");
        yield return PolicySelector("policy-selector-not-has", "!has(host-endpoint)", "node1-eth2");
        yield return PolicySelector("policy-selector-in", "host-endpoint in {'ingress', 'internal'}", "node1-eth0", "node1-eth1");
        yield return PolicySelector("policy-selector-not-in-selects-unlabelled", "host-endpoint not in {'internal'}", "node1-eth0", "node1-eth2");
        yield return PolicySelector("policy-selector-all", "all()", "node1-eth0", "node1-eth1", "node1-eth2");
        yield return PolicySelector("policy-selector-empty-means-all", "", "node1-eth0", "node1-eth1", "node1-eth2");
        yield return PolicySelector("policy-selector-and-or-parentheses", "(role == 'edge' || host-endpoint ends with 'nal') && has(host-endpoint)", "node1-eth0", "node1-eth1");
        yield return PolicySelector("policy-selector-starts-with-contains", "host-endpoint starts with 'in' && !(host-endpoint contains 'tern')", "node1-eth0");
        yield return PolicySelector("policy-selector-matches-nothing", "role == 'none'");

        // ---- notSelector ----
        yield return new VerdictCase("not-selector-matches-non-calico-addresses", OperatorFixture + PreDnat("p", """
                - action: Deny
                  source: {notSelector: "app == 'web'"}
                """))
            .On(P.PreDnat0)
            .Deny("tcp 198.51.100.1:40000 -> 192.0.2.10:80", "tcp 10.70.0.2:40000 -> 192.0.2.10:80", "tcp 10.70.0.3:40000 -> 192.0.2.10:80",
                "tcp 192.0.2.10:40000 -> 192.0.2.11:80", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80")
            .None("tcp 10.70.0.1:40000 -> 192.0.2.10:80");

        yield return new VerdictCase("not-selector-versus-negated-selector", OperatorFixture + PreDnat("p", """
                - action: Allow
                  protocol: TCP
                  source: {selector: "!has(app)"}
                - action: Deny
                  protocol: UDP
                  source: {notSelector: "has(app)"}
                """))
            .On(P.PreDnat0)
            // selector "!has(app)" only matches known endpoints without app (s3 and the HEP), never other addresses...
            .AllowBy("p#0", "tcp 10.70.0.3:40000 -> 192.0.2.11:80", "tcp 192.0.2.10:40000 -> 192.0.2.11:80")
            .None("tcp 198.51.100.1:40000 -> 192.0.2.11:80", "tcp 10.70.0.1:40000 -> 192.0.2.11:80")
            // ...whereas notSelector "has(app)" matches everything except endpoints with app.
            .DenyBy("p#1", "udp 198.51.100.1:40000 -> 192.0.2.11:53", "udp 10.70.0.3:40000 -> 192.0.2.11:53", "udp [2001:db8:ff::5]:1 -> [2001:db8::10]:53")
            .None("udp 10.70.0.4:40000 -> 192.0.2.11:53");

        yield return new VerdictCase("selector-and-not-selector-together", OperatorFixture + PreDnat("p", """
                - action: Allow
                  source: {selector: "has(app)", notSelector: "app == 'db' || app == 'webapp'"}
                """))
            .On(P.PreDnat0)
            .Allow("tcp 10.70.0.1:40000 -> 192.0.2.11:80", "tcp 10.70.0.5:40000 -> 192.0.2.11:80")
            .None("tcp 10.70.0.2:40000 -> 192.0.2.11:80", "tcp 10.70.0.4:40000 -> 192.0.2.11:80", "tcp 10.70.0.3:40000 -> 192.0.2.11:80",
                "tcp 198.51.100.1:40000 -> 192.0.2.11:80");

        yield return new VerdictCase("destination-not-selector", OperatorFixture + PreDnat("p", """
                - action: Deny
                  protocol: TCP
                  destination: {notSelector: "has(host-endpoint)"}
                """))
            .On(P.PreDnat0)
            .Deny("tcp 203.0.113.5:40000 -> 10.70.0.1:80", "tcp 203.0.113.5:40000 -> 198.51.100.1:80")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:80");

        // ---- what a selector resolves to ----
        yield return new VerdictCase("selector-matches-hep-expected-ips-only", Set(Hep0,
                Hep("node1-eth2", "eth2", "{host-endpoint: bare}"),
                PreDnat("p", """
                    - action: Allow
                      protocol: TCP
                      destination: {selector: "has(host-endpoint)", ports: [31852]}
                    - action: Deny
                      destination: {selector: "host-endpoint == 'bare'"}
                    """)))
            .On(P.PreDnat0)
            .AllowBy("p#0", "tcp 203.0.113.5:40000 -> 192.0.2.10:31852", "tcp [2001:db8:ff::5]:40000 -> [2001:db8::10]:31852")
            // A routed pod IP is not a node address: the NodePort rule must not open it (calico#2333).
            .None("tcp 203.0.113.5:40000 -> 10.65.0.1:31852", "tcp 203.0.113.5:40000 -> 192.0.2.10:80",
                // node1-eth2 has no expectedIPs, so "host-endpoint == 'bare'" resolves to no address at all (calico#4171).
                "tcp 203.0.113.5:40000 -> 198.19.0.10:80", "udp 203.0.113.5:1 -> 192.0.2.99:53");

        yield return new VerdictCase("selector-matches-hep-on-other-nodes", Set(Hep0,
                Hep("node2-eth0", "eth0", "{host-endpoint: ingress, role: edge}", "192.0.2.20, \"2001:db8::20\"", node: "node2"),
                PreDnat("p", """
                    - action: Allow
                      source: {selector: "role == 'edge'"}
                    """)))
            .On(P.PreDnat0)
            .Allow("tcp 192.0.2.20:40000 -> 192.0.2.10:179", "tcp [2001:db8::20]:40000 -> [2001:db8::10]:179", "tcp 192.0.2.10:40000 -> 192.0.2.10:179")
            .None("tcp 192.0.2.30:40000 -> 192.0.2.10:179");

        yield return new VerdictCase("selector-matches-global-network-set", Set(Hep0,
                GlobalNetworkSet("blocklist", "{set: blocked}", "203.0.113.0/24, \"2001:db8:bad::/48\""),
                PreDnat("p", """
                    - action: Deny
                      source: {selector: "set == 'blocked'"}
                    """)))
            .On(P.PreDnat0)
            .Deny("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 203.0.113.255:40000 -> 192.0.2.10:80", "udp [2001:db8:bad::1]:1 -> [2001:db8::10]:53")
            .None("tcp 203.0.114.1:40000 -> 192.0.2.10:80", "udp [2001:db8:bae::1]:1 -> [2001:db8::10]:53");

        yield return new VerdictCase("selector-network-set-catch-all", Set(Hep0,
                GlobalNetworkSet("everything", "{set: everything}", "0.0.0.0/0, \"::/0\""),
                PreDnat("p", """
                    - action: Deny
                      source: {selector: "set == 'everything'"}
                    """)))
            .On(P.PreDnat0)
            .Deny("tcp 0.0.0.0:1 -> 192.0.2.10:80", "tcp 127.255.255.255:1 -> 192.0.2.10:80", "tcp 128.0.0.0:1 -> 192.0.2.10:80",
                "tcp 255.255.255.255:1 -> 192.0.2.10:80", "tcp [::]:1 -> [2001:db8::10]:80", "tcp [ffff::1]:1 -> [2001:db8::10]:80");

        // ---- namespaceSelector ----
        yield return NamespaceCase("namespace-selector-by-namespace-labels", "{namespaceSelector: \"env == 'production'\"}")
            .Allow("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp [fd00:65::1]:40000 -> [2001:db8::10]:80", "tcp 10.65.0.2:40000 -> 192.0.2.10:80",
                "tcp 198.51.100.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.2.1:40000 -> 192.0.2.10:80", "tcp 192.0.2.10:40000 -> 192.0.2.11:80",
                "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 198.51.100.16:40000 -> 192.0.2.10:80");

        yield return NamespaceCase("namespace-selector-and-selector", "{namespaceSelector: \"env == 'production'\", selector: \"app == 'web'\"}")
            .Allow("tcp 10.65.0.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.2:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.2.1:40000 -> 192.0.2.10:80");

        yield return NamespaceCase("namespace-selector-not-equals-matches-unlabelled-namespaces", "{namespaceSelector: \"env != 'production'\", selector: \"has(app)\"}")
            .Allow("tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.2.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.0.2:40000 -> 192.0.2.10:80", "tcp 198.51.100.99:40000 -> 192.0.2.10:80");

        yield return NamespaceCase("namespace-selector-global-means-non-namespaced", "{namespaceSelector: global()}")
            .Allow("tcp 192.0.2.10:40000 -> 192.0.2.11:80", "tcp [2001:db8::10]:40000 -> [2001:db8::11]:80", "tcp 203.0.113.5:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 198.51.100.1:40000 -> 192.0.2.10:80",
                "tcp 198.18.1.1:40000 -> 192.0.2.10:80");

        yield return NamespaceCase("namespace-selector-global-with-selector", "{namespaceSelector: global(), selector: \"has(host-endpoint)\"}")
            .Allow("tcp 192.0.2.10:40000 -> 192.0.2.11:80")
            .None("tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 10.65.0.1:40000 -> 192.0.2.10:80");

        yield return NamespaceCase("namespace-selector-all-means-any-namespace", "{namespaceSelector: all()}")
            .Allow("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.2.1:40000 -> 192.0.2.10:80",
                "tcp 198.51.100.15:40000 -> 192.0.2.10:80")
            .None("tcp 192.0.2.10:40000 -> 192.0.2.11:80", "tcp 203.0.113.5:40000 -> 192.0.2.10:80", "tcp 198.18.1.1:40000 -> 192.0.2.10:80");

        yield return NamespaceCase("namespace-selector-all-with-selector", "{namespaceSelector: all(), selector: \"app == 'web'\"}")
            .Allow("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.2.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.2:40000 -> 192.0.2.10:80");

        // Felix rewrites all() textually inside a larger namespace selector, so non-namespaced HEPs and global
        // sets (which have no env label, so env != x would hold for them) stay out.
        yield return NamespaceCase("namespace-selector-all-inside-compound-expression", "{namespaceSelector: \"all() && env != 'production'\"}")
            .Allow("tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.2.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 198.51.100.1:40000 -> 192.0.2.10:80", "tcp 192.0.2.10:40000 -> 192.0.2.11:80",
                "tcp 203.0.113.5:40000 -> 192.0.2.10:80");

        yield return NamespaceCase("gnp-rule-selector-spans-namespaces-and-global", "{selector: \"app == 'web' || set == 'blocked'\"}")
            .Allow("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.2.1:40000 -> 192.0.2.10:80",
                "tcp 203.0.113.9:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.2:40000 -> 192.0.2.10:80");

        // ---- GlobalNetworkPolicy-level namespaceSelector / serviceAccountSelector (pcns. / pcsa. prefixes) ----
        var gnpScoped = Set(
            Hep("node1-eth0", "eth0", "{host-endpoint: ingress}", "192.0.2.10", "profiles: [projectcalico-default-allow]\n"),
            Namespace("prod", "env: production"),
            Namespace("dev", "env: development"),
            ServiceAccount("prod", "backend", "role: db"),
            Wep("prod", "db-1", "10.65.0.2/32", "{app: db}", "serviceAccountName: backend\nprofiles: [projectcalico-default-allow]\n"),
            Wep("prod", "web-1", "10.65.0.1/32", "{app: web}", "profiles: [projectcalico-default-allow]\n"),
            Wep("dev", "web-2", "10.65.1.1/32", "{app: web}", "serviceAccountName: frontend\nprofiles: [projectcalico-default-allow]\n"));
        VerdictCase GnpScoped(string name, string scoping, params string[] selected)
        {
            var c = new VerdictCase(name, gnpScoped + Gnp("scoped-deny", scoping + "\ningress:\n- action: Deny\n"));
            foreach (var (program, packet) in new[]
            {
                (P.HostIn0, "tcp 203.0.113.5:40000 -> 192.0.2.10:80"),
                (P.WepIn("prod", "db-1"), "tcp 203.0.113.5:40000 -> 10.65.0.2:80"),
                (P.WepIn("prod", "web-1"), "tcp 203.0.113.5:40000 -> 10.65.0.1:80"),
                (P.WepIn("dev", "web-2"), "tcp 203.0.113.5:40000 -> 10.65.1.1:80"),
            })
            {
                c.On(program);
                if (selected.Contains(program))
                    c.DenyBy("scoped-deny#0", packet);
                else
                    c.AllowBy("profile projectcalico-default-allow", packet);
            }
            return c;
        }

        yield return GnpScoped("gnp-namespace-selector-by-labels", "namespaceSelector: \"env == 'production'\"", P.WepIn("prod", "db-1"), P.WepIn("prod", "web-1"));
        yield return GnpScoped("gnp-namespace-selector-all-means-workloads", "namespaceSelector: all()", P.WepIn("prod", "db-1"), P.WepIn("prod", "web-1"), P.WepIn("dev", "web-2"));
        yield return GnpScoped("gnp-namespace-selector-and-selector", "selector: \"app == 'web'\"\nnamespaceSelector: \"env == 'development'\"", P.WepIn("dev", "web-2"));
        yield return GnpScoped("gnp-service-account-selector-by-labels", "serviceAccountSelector: \"role == 'db'\"", P.WepIn("prod", "db-1"));
        // Calico rewrites all() in a GNP's serviceAccountSelector to has(projectcalico.org/serviceaccount).
        yield return GnpScoped("gnp-service-account-selector-all-means-has-service-account", "serviceAccountSelector: all()", P.WepIn("prod", "db-1"), P.WepIn("dev", "web-2"));

        // ---- serviceAccounts ----
        yield return ServiceAccountCase("service-accounts-by-name", "{serviceAccounts: {names: [frontend]}}")
            .Deny("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.2:40000 -> 192.0.2.10:80", "tcp 10.65.0.3:40000 -> 192.0.2.10:80", "tcp 198.51.100.1:40000 -> 192.0.2.10:80");

        yield return ServiceAccountCase("service-accounts-several-names", "{serviceAccounts: {names: [frontend, backend]}}")
            .Deny("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.0.2:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.3:40000 -> 192.0.2.10:80");

        yield return ServiceAccountCase("service-accounts-by-selector", "{serviceAccounts: {selector: \"role == 'db'\"}}")
            .Deny("tcp 10.65.0.2:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.1:40000 -> 192.0.2.10:80", "tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.0.3:40000 -> 192.0.2.10:80");

        yield return ServiceAccountCase("service-accounts-names-and-selector-anded", "{serviceAccounts: {names: [frontend], selector: \"role == 'web'\"}}")
            // dev/web-2 is also "frontend", but dev has no ksa profile giving it role=web.
            .Deny("tcp 10.65.0.1:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.1.1:40000 -> 192.0.2.10:80", "tcp 10.65.0.2:40000 -> 192.0.2.10:80");

        yield return ServiceAccountCase("service-accounts-and-selector", "{serviceAccounts: {names: [frontend, backend]}, selector: \"app == 'db'\"}")
            .Deny("tcp 10.65.0.2:40000 -> 192.0.2.10:80")
            .None("tcp 10.65.0.1:40000 -> 192.0.2.10:80");
    }
}
