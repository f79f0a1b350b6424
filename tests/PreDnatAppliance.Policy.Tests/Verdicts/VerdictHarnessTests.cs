using PreDnatAppliance.Policy.Evaluation;
using Xunit.Sdk;
using static PreDnatAppliance.Policy.Tests.Verdicts.Y;

namespace PreDnatAppliance.Policy.Tests.Verdicts;

/// <summary>The harness itself: every kind of wrong expectation must make a case fail, or the tables prove nothing.</summary>
public sealed class VerdictHarnessTests
{
    private static readonly string DenyTelnet = Set(Hep0, PreDnat("p", """
        - action: Log
        - action: Deny
          protocol: TCP
          destination: {ports: [23]}
        """));

    private const string Telnet = "tcp 203.0.113.5:40000 -> 192.0.2.10:23";

    [Fact]
    public void A_correct_case_passes()
    {
        var c = new VerdictCase("self-ok", DenyTelnet).On(P.PreDnat0).DenyBy("p#1", Telnet).Logged(1).None("udp 203.0.113.5:1 -> 192.0.2.10:23");
        Assert.Empty(VerdictHarness.Run(c));
        VerdictHarness.AssertPasses(c);
    }

    [Fact]
    public void A_wrong_verdict_fails_and_names_the_packet()
    {
        var c = new VerdictCase("self-wrong-verdict", DenyTelnet).On(P.PreDnat0).Allow(Telnet);
        var failure = Assert.Single(VerdictHarness.Run(c));
        Assert.Contains(Telnet, failure);
        Assert.Contains("expected Allow, got Deny", failure);
        var thrown = Assert.Throws<FailException>(() => VerdictHarness.AssertPasses(c));
        Assert.Contains("self-wrong-verdict", thrown.Message);
        Assert.Contains("   1  ---", thrown.Message);
    }

    [Fact]
    public void A_wrong_no_decision_expectation_fails()
    {
        var c = new VerdictCase("self-wrong-none", DenyTelnet).On(P.PreDnat0).None(Telnet).Deny("udp 203.0.113.5:1 -> 192.0.2.10:23");
        var failures = VerdictHarness.Run(c);
        Assert.Equal(2, failures.Count);
        Assert.Contains("expected Deny, got NoDecision", failures[1]);
    }

    [Fact]
    public void A_wrong_owner_or_rule_index_fails()
    {
        var wrongOwner = new VerdictCase("self-wrong-owner", DenyTelnet).On(P.PreDnat0).DenyBy("q", Telnet);
        Assert.Contains("expected decided by 'q', got 'p#1'", Assert.Single(VerdictHarness.Run(wrongOwner)));
        var wrongIndex = new VerdictCase("self-wrong-index", DenyTelnet).On(P.PreDnat0).DenyBy("p#0", Telnet);
        Assert.Single(VerdictHarness.Run(wrongIndex));
    }

    [Fact]
    public void A_wrong_log_count_fails()
    {
        var c = new VerdictCase("self-wrong-log", DenyTelnet).On(P.PreDnat0).Deny(Telnet).Logged(2);
        Assert.Contains("expected 2 Log rule(s) matched, got 1", Assert.Single(VerdictHarness.Run(c)));
    }

    [Fact]
    public void Yaml_errors_fail_the_case()
    {
        var c = new VerdictCase("self-yaml-error", Set(Hep0, PreDnat("p", "- {action: Deny, protocol: tcp}"))).On(P.PreDnat0).Deny(Telnet);
        var failure = Assert.Single(VerdictHarness.Run(c));
        Assert.Contains("YAML error", failure);
        Assert.Contains("PDA1122", failure);
    }

    [Fact]
    public void Undeclared_and_missing_warnings_fail_the_case()
    {
        var warns = Set(Hep0, PreDnat("p", "- {action: Allow, protocol: TCP, notICMP: {type: 8}}"));
        Assert.Contains("PDA1127", Assert.Single(VerdictHarness.Run(new VerdictCase("self-undeclared-warning", warns).On(P.PreDnat0).Allow(Telnet))));
        Assert.Empty(VerdictHarness.Run(new VerdictCase("self-declared-warning", warns).Warns("PDA1127").On(P.PreDnat0).Allow(Telnet)));
        Assert.Single(VerdictHarness.Run(new VerdictCase("self-missing-warning", DenyTelnet).Warns("PDA1402").On(P.PreDnat0).Deny(Telnet)));
    }

    [Fact]
    public void Unknown_programs_and_bad_packets_fail_the_case()
    {
        var c = new VerdictCase("self-unknown", DenyTelnet)
            .On("hep/node1-eth9/prednat/ingress").Deny(Telnet)
            .On(P.PreDnat0).Deny("tcp 203.0.113.5 -> 192.0.2.10:23");
        var failures = VerdictHarness.Run(c);
        Assert.Equal(2, failures.Count);
        Assert.Contains("no program hep/node1-eth9/prednat/ingress", failures[0]);
        Assert.Contains("bad packet", failures[1]);
    }

    [Fact]
    public void Checks_need_a_program_first()
    {
        Assert.Throws<InvalidOperationException>(() => new VerdictCase("self-no-program", DenyTelnet).Deny(Telnet));
    }

    [Fact]
    public void Explain_cases_fail_on_wrong_outcome_trail_owner_hep_or_destination()
    {
        var good = new ExplainCase("self-explain-ok", DenyTelnet)
            .Drop("eth0", Telnet, "untracked:pass prednat:deny@p", hep: "node1-eth0", to: Destination.Host);
        Assert.Empty(VerdictHarness.Run(good));

        Assert.Contains("expected accepted, got dropped", Assert.Single(VerdictHarness.Run(new ExplainCase("self-explain-outcome", DenyTelnet).Accept("eth0", Telnet, null))));
        Assert.Contains("expected stages", Assert.Single(VerdictHarness.Run(new ExplainCase("self-explain-trail", DenyTelnet).Drop("eth0", Telnet, "untracked:pass prednat:deny host:deny"))));
        Assert.Contains("expected stages", Assert.Single(VerdictHarness.Run(new ExplainCase("self-explain-owner", DenyTelnet).Drop("eth0", Telnet, "untracked:pass prednat:deny@q"))));
        Assert.Contains("expected host endpoint", Assert.Single(VerdictHarness.Run(new ExplainCase("self-explain-hep", DenyTelnet).Drop("eth0", Telnet, null, hep: "star"))));
        Assert.Contains("expected destination", Assert.Single(VerdictHarness.Run(new ExplainCase("self-explain-to", DenyTelnet).Drop("eth0", Telnet, null, to: Destination.Forwarded))));
        Assert.Throws<FailException>(() => VerdictHarness.AssertPasses(new ExplainCase("self-explain-throws", DenyTelnet).Accept("eth0", Telnet, null)));
    }

    [Fact]
    public void The_catalog_is_large_and_every_case_checks_packets()
    {
        Assert.True(VerdictCatalog.Programs.Count >= 120, $"only {VerdictCatalog.Programs.Count} program cases");
        Assert.All(VerdictCatalog.Programs.Values, c => Assert.NotEmpty(c.Checks));
        Assert.All(VerdictCatalog.Flows.Values, c => Assert.NotEmpty(c.Checks));
        var packets = VerdictCatalog.Programs.Values.Sum(c => c.Checks.Count) + VerdictCatalog.Flows.Values.Sum(c => c.Checks.Count);
        Assert.True(packets >= 1000, $"only {packets} packet checks");
        // both families are exercised
        Assert.Contains(VerdictCatalog.Programs.Values.SelectMany(c => c.Checks), k => k.Packet.Contains('[') || k.Packet.Contains("::"));
    }
}
