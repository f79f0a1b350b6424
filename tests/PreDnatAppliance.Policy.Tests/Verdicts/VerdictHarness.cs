using System.Text;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Net;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Tests.Verdicts;

/// <summary>
/// Runs verdict cases: load and validate the YAML (no errors allowed, warnings only as declared), compile it
/// for the case's node, and check every packet. All mismatches of a case are collected, so one run shows
/// the whole table's disagreement, each with the program's trace.
/// </summary>
public static class VerdictHarness
{
    public static IReadOnlyList<string> Run(VerdictCase c)
    {
        var failures = new List<string>();
        var compiled = Compile(c.Name, c.Yaml, c.Node, c.ExpectedWarnings, failures);
        if (compiled is null)
            return failures;

        foreach (var check in c.Checks)
        {
            var program = compiled.Programs.FirstOrDefault(p => p.Key == check.Program);
            if (program is null)
            {
                failures.Add($"no program {check.Program}; the set has: {string.Join(", ", compiled.Programs.Select(p => p.Key))}");
                continue;
            }
            if (!PacketTuple.TryParse(check.Packet, out var packet, out var error))
            {
                failures.Add($"bad packet '{check.Packet}': {error}");
                continue;
            }
            var result = ReferenceEvaluator.Evaluate(program, packet);
            var problems = new List<string>();
            if (result.Verdict != check.Expected)
                problems.Add($"expected {check.Expected}, got {result.Verdict}");
            if (check.Owner is { } owner)
            {
                var actualOwner = OwnerOf(program, result);
                if (!string.Equals(owner, actualOwner, StringComparison.Ordinal) && !string.Equals(owner, result.Owner, StringComparison.Ordinal))
                    problems.Add($"expected decided by '{owner}', got '{actualOwner}'");
            }
            if (check.Logged is { } logged && result.Logged.Count != logged)
                problems.Add($"expected {logged} Log rule(s) matched, got {result.Logged.Count}");
            CheckCatalog(compiled, result, problems);
            if (problems.Count > 0)
                failures.Add($"{check.Program}: {check.Packet}: {string.Join("; ", problems)}\n      trace: {string.Join(" | ", result.Trace)}");
        }
        return failures;
    }

    public static IReadOnlyList<string> Run(ExplainCase c)
    {
        var failures = new List<string>();
        var compiled = Compile(c.Name, c.Yaml, c.Node, c.ExpectedWarnings, failures);
        if (compiled is null)
            return failures;

        var addresses = c.InterfaceAddresses.ToDictionary(
            kv => kv.Key,
            kv => (IReadOnlyList<IpAddress>)kv.Value.Select(a => IpAddress.TryParse(a, out var ip) ? ip : throw new ArgumentException($"bad address {a}")).ToList(),
            StringComparer.Ordinal);
        var explainer = new PolicyExplainer(compiled, c.Node, addresses);
        foreach (var check in c.Checks)
        {
            if (!PacketTuple.TryParse(check.Packet, out var packet, out var error))
            {
                failures.Add($"bad packet '{check.Packet}': {error}");
                continue;
            }
            var explanation = explainer.Explain(check.Interface, packet, check.Egress);
            var trail = string.Join(" ", explanation.Stages.Select(s => $"{s.Stage}:{s.Verdict}"));
            var problems = new List<string>();
            if (explanation.Accepted != check.Accepted)
                problems.Add($"expected {(check.Accepted ? "accepted" : "dropped")}, got {(explanation.Accepted ? "accepted" : "dropped")}");
            if (check.Trail is { } expectedTrail && !TrailMatches(expectedTrail, explanation.Stages))
                problems.Add($"expected stages '{expectedTrail}', got '{Describe(explanation.Stages)}'");
            if (check.Hep is { } hep && hep != (explanation.IngressHostEndpoint?.Name ?? "-"))
                problems.Add($"expected host endpoint '{hep}', got '{explanation.IngressHostEndpoint?.Name ?? "-"}'");
            if (check.To is { } to && to != explanation.Destination)
                problems.Add($"expected destination {to}, got {explanation.Destination}");
            if (problems.Count > 0)
            {
                var where = check.Egress is null ? check.Interface : $"{check.Interface} -> {check.Egress}";
                failures.Add($"{where}: {check.Packet}: {string.Join("; ", problems)}\n      " +
                    string.Join("\n      ", explanation.Stages.Select(s => $"{s.Stage}: {s.Verdict} ({s.Owner}) {s.Reason}")));
            }
        }
        return failures;
    }

    public static void AssertPasses(VerdictCase c) => AssertNoFailures(c.Name, c.Yaml, Run(c));
    public static void AssertPasses(ExplainCase c) => AssertNoFailures(c.Name, c.Yaml, Run(c));

    private static void AssertNoFailures(string name, string yaml, IReadOnlyList<string> failures)
    {
        if (failures.Count == 0)
            return;
        var message = new StringBuilder();
        message.Append("verdict case '").Append(name).Append("' failed:\n");
        foreach (var failure in failures)
            message.Append("  - ").Append(failure).Append('\n');
        message.Append("policy set:\n").Append(Numbered(yaml));
        Assert.Fail(message.ToString());
    }

    private static CompiledPolicySet? Compile(string name, string yaml, string node, IReadOnlyList<string> expectedWarnings, List<string> failures)
    {
        var set = PolicyProject.LoadTexts(new[] { (FileName(name), yaml) });
        var errors = set.Diagnostics.Items.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            failures.AddRange(errors.Select(e => "YAML error: " + e));
            return null;
        }
        var compiled = PolicyProject.Compile(set, node);
        var warnings = compiled.Diagnostics.Where(d => d.Severity >= DiagnosticSeverity.Warning).ToList();
        var actualIds = warnings.Select(w => w.Id).Distinct().OrderBy(i => i, StringComparer.Ordinal).ToList();
        var expectedIds = expectedWarnings.Distinct().OrderBy(i => i, StringComparer.Ordinal).ToList();
        if (!actualIds.SequenceEqual(expectedIds))
        {
            failures.Add($"expected warnings [{string.Join(", ", expectedIds)}], got [{string.Join(", ", actualIds)}]: " +
                string.Join(" | ", warnings.Select(w => w.ToString())));
        }
        if (compiled.Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error))
        {
            failures.AddRange(compiled.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(e => "compile error: " + e));
            return null;
        }
        return compiled;
    }

    public static string FileName(string caseName) => $"verdicts/{caseName}.yaml";

    /// <summary>The owner, with "#index" when a policy or profile rule decided.</summary>
    private static string OwnerOf(EndpointProgram program, ProgramVerdict result)
    {
        var rule = program.AllRules.FirstOrDefault(r => r.Id == result.RuleId);
        return rule is null ? result.Owner : $"{result.Owner}#{rule.Index}";
    }

    /// <summary>Every verdict names a rule the catalog knows, at the location the verdict reports.</summary>
    private static void CheckCatalog(CompiledPolicySet compiled, ProgramVerdict result, List<string> problems)
    {
        if (!compiled.Rules.TryGetValue(result.RuleId, out var info))
        {
            problems.Add($"rule {result.RuleId} is not in the rule catalog");
            return;
        }
        if (result.Location.IsKnown && info.Location != result.Location)
            problems.Add($"rule {result.RuleId}: catalog location {info.Location} differs from verdict location {result.Location}");
    }

    private static bool TrailMatches(string expected, IReadOnlyList<StageOutcome> stages)
    {
        // Owners may contain spaces ("tier default"), so a new token starts only where "stage:verdict" does.
        var tokens = System.Text.RegularExpressions.Regex.Split(expected.Trim(), @"\s+(?=[a-z]+:(?:allow|deny|pass|skip)(?:@|\s|$))");
        if (tokens.Length != stages.Count)
            return false;
        for (var i = 0; i < tokens.Length; i++)
        {
            var at = tokens[i].IndexOf('@');
            var stageVerdict = at < 0 ? tokens[i] : tokens[i].Substring(0, at);
            if (stageVerdict != $"{stages[i].Stage}:{stages[i].Verdict}")
                return false;
            if (at >= 0 && tokens[i].Substring(at + 1) != stages[i].Owner)
                return false;
        }
        return true;
    }

    private static string Describe(IReadOnlyList<StageOutcome> stages) =>
        string.Join(" ", stages.Select(s => s.Owner is null || s.Verdict is "skip" ? $"{s.Stage}:{s.Verdict}" : $"{s.Stage}:{s.Verdict}@{s.Owner}"));

    private static string Numbered(string yaml)
    {
        var lines = yaml.Split('\n');
        var text = new StringBuilder();
        for (var i = 0; i < lines.Length; i++)
            text.Append((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).PadLeft(4)).Append("  ").Append(lines[i]).Append('\n');
        return text.ToString();
    }
}
