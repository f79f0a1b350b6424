using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using PreDnatAppliance.Cli;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Policy.Tests.Cli;

/// <summary>
/// The prednat CLI run in-process (CommandDispatcher.Run with StringWriters) on the repository's worked example
/// in policies/ and on broken policy sets written to temporary directories.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class CliTests : IDisposable
{
    private static readonly Regex DiagnosticLine = new(@"^(?<file>.+)\((?<line>\d+),(?<col>\d+)\): error (?<id>PDA\d{4}): (?<message>.+)$", RegexOptions.Multiline);
    private static readonly Regex RuleLine = new(@"^\s+\[(?<id>r[0-9a-f]{12})\] (?<text>.*?)  (?<file>\S*policies/[^\s:]+\.yaml):(?<line>\d+)$", RegexOptions.Multiline);

    private readonly string _root = RepositoryPaths.Root;
    private readonly List<string> _temporary = new();

    private string Policies => Path.Combine(_root, "policies");

    public void Dispose()
    {
        foreach (var directory in _temporary)
        {
            try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------------

    private sealed record Result(int ExitCode, string Output, string Error)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
    }

    private static Result Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = CommandDispatcher.Run(args, output, error);
        return new Result(code, output.ToString().Replace("\r\n", "\n"), error.ToString().Replace("\r\n", "\n"));
    }


    private string TempPolicyDir(params (string Name, string Text)[] files)
    {
        var directory = Directory.CreateTempSubdirectory("prednat-cli-").FullName;
        _temporary.Add(directory);
        foreach (var (name, text) in files)
            File.WriteAllText(Path.Combine(directory, name), text);
        return directory;
    }

    private const string BadPolicy = """
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata:
          name: bad-one
        spec:
          selector: has(role
          ingress:
            - action: Allow
              source:
                nets: [10.0.0.1/33]
            - action: Allw
        """;

    private const string BadEndpoints = """
        apiVersion: projectcalico.org/v3
        kind: HostEndpoint
        metadata:
          name: h1
        spec:
          node: node1
          expectedIPs: ["300.1.1.1"]
        ---
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata:
          name: pre
        spec:
          preDNAT: true
          selector: all()
          ingress:
            - action: Deny
        """;

    /// <summary>Five errors in two files: (file, line, col, ID).</summary>
    private static readonly (string File, int Line, int Column, string Id)[] BadSetErrors =
    {
        ("a-policy.yaml", 6, 13, "PDA1301"),      // selector: no closing ')'
        ("a-policy.yaml", 10, 16, "PDA1131"),     // invalid CIDR
        ("a-policy.yaml", 11, 15, "PDA1120"),     // unsupported action
        ("b-endpoints.yaml", 7, 17, "PDA1153"),   // invalid IP address
        ("b-endpoints.yaml", 14, 12, "PDA1104"),  // preDNAT needs applyOnForward
    };

    private string BadSet() => TempPolicyDir(("a-policy.yaml", BadPolicy), ("b-endpoints.yaml", BadEndpoints));

    private CompiledPolicySet CompiledExample()
    {
        var compiled = PolicyProject.Compile(PolicyProject.Load(Policies), "node1");
        Assert.DoesNotContain(compiled.Diagnostics, d => d.Severity == Diagnostics.DiagnosticSeverity.Error);
        return compiled;
    }

    private RuleId RuleOf(CompiledPolicySet compiled, string owner) =>
        compiled.Programs.SelectMany(p => p.AllRules).First(r => r.Owner == owner && r.Index == 0).Id;

    // ---- check --------------------------------------------------------------------------------------------

    [Fact]
    public void Check_accepts_the_worked_example()
    {
        var result = Run("check", "--policy-dir", Policies);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.DoesNotMatch(DiagnosticLine, result.Output);
        Assert.Contains("0 error(s)", result.Output);
    }

    [Fact]
    public void Check_reports_every_error_of_a_broken_set_in_msbuild_form()
    {
        var directory = BadSet();
        var result = Run("check", "--policy-dir", directory);
        Assert.True(result.ExitCode == 1, result.ToString());

        var found = DiagnosticLine.Matches(result.Output)
            .Select(m => (File: Path.GetFileName(m.Groups["file"].Value), Line: int.Parse(m.Groups["line"].Value), Column: int.Parse(m.Groups["col"].Value), Id: m.Groups["id"].Value))
            .ToList();
        Assert.True(found.SequenceEqual(BadSetErrors), $"expected {string.Join(", ", BadSetErrors)}\n{result}");
        // Paths name the files in the directory given, so IDEs can jump to them.
        foreach (Match m in DiagnosticLine.Matches(result.Output))
            Assert.True(File.Exists(m.Groups["file"].Value), $"'{m.Groups["file"].Value}' is not the file's path");
        Assert.Contains("5 error(s)", result.Output);
    }

    [Fact]
    public void Check_on_a_missing_directory_fails()
    {
        var result = Run("check", "--policy-dir", Path.Combine(_root, "no-such-policy-dir"));
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("does not exist", result.Output);
    }

    // ---- policy dump --------------------------------------------------------------------------------------

    [Fact]
    public void Policy_dump_lists_every_rule_with_its_ruleid_and_source_line()
    {
        var result = Run("policy", "dump", "--policy-dir", Policies);
        Assert.True(result.ExitCode == 0, result.ToString());
        var compiled = CompiledExample();

        var ruleLines = RuleLine.Matches(result.Output).ToList();
        Assert.NotEmpty(ruleLines);
        foreach (var m in ruleLines)
        {
            // The line named is the rule's own "- action:" line in that file.
            var lines = File.ReadAllLines(m.Groups["file"].Value);
            var line = int.Parse(m.Groups["line"].Value);
            Assert.True(line <= lines.Length && lines[line - 1].Contains("action:"), $"{m.Value.Trim()} does not point at a rule (line is '{(line <= lines.Length ? lines[line - 1] : "past the end")}')");
        }

        // Every compiled rule is printed with its RuleId and location, and nothing else carries a policies/ location.
        var printed = ruleLines.Select(m => m.Groups["id"].Value).ToHashSet();
        var expected = compiled.Programs.SelectMany(p => p.AllRules).Select(r => r.Id.ToString()).ToHashSet();
        Assert.True(expected.SetEquals(printed), $"compiled rules {string.Join(",", expected.Order())} but dump lists {string.Join(",", printed.Order())}");
        foreach (var m in ruleLines)
        {
            var rule = compiled.Programs.SelectMany(p => p.AllRules).First(r => r.Id.ToString() == m.Groups["id"].Value);
            Assert.EndsWith($"{rule.Location.File}:{rule.Location.Line}", m.Value.TrimEnd());
        }
        // Every program and every bracketed ID in the dump is a RuleId of the catalog.
        foreach (Match id in Regex.Matches(result.Output, @"\[(r[0-9a-f]{12})\]"))
            Assert.True(compiled.Rules.ContainsKey(RuleIdOf(id.Groups[1].Value)), $"{id.Value} is not in the rule catalog");
        Assert.Equal(compiled.Programs.Count, Regex.Matches(result.Output, "^program ", RegexOptions.Multiline).Count);
    }

    private static RuleId RuleIdOf(string text)
    {
        Assert.True(RuleId.TryParse(text, out var id), text);
        return id;
    }

    [Fact]
    public void Policy_dump_refuses_a_broken_set()
    {
        var result = Run("policy", "dump", "--policy-dir", BadSet());
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Equal(string.Empty, result.Output);
        var found = DiagnosticLine.Matches(result.Error).Select(m => (Path.GetFileName(m.Groups["file"].Value), m.Groups["id"].Value)).ToHashSet();
        foreach (var error in BadSetErrors)
            Assert.Contains((error.File, error.Id), found);
        Assert.Contains("prednat check", result.Error);
    }

    /// <summary>`policy dump`, `explain` and `run` print a broken set's diagnostics exactly as `check` does.</summary>
    [Fact]
    public void Policy_dump_prints_the_same_diagnostics_as_check()
    {
        var directory = BadSet();
        var check = Run("check", "--policy-dir", directory);
        var dump = Run("policy", "dump", "--policy-dir", directory);
        var checkLines = check.Output.Split('\n').Where(l => l.Contains(": error ")).ToList();
        var dumpLines = dump.Error.Split('\n').Where(l => l.Contains(": error ")).ToList();
        Assert.Equal(checkLines, dumpLines);
        Assert.All(dumpLines, l => Assert.Matches(DiagnosticLine, l));
        Assert.Contains("5 error(s)", dump.Error);
    }

    // ---- explain ------------------------------------------------------------------------------------------

    private Result Explain(string ingress, string packet) => Run("explain", "--policy-dir", Policies, "--ingress", ingress, packet);

    private static string StageLine(Result result, string stage) =>
        result.Output.Split('\n').SingleOrDefault(l => l.StartsWith(stage + " ", StringComparison.Ordinal))
        ?? throw new Xunit.Sdk.XunitException($"no '{stage}' stage in\n{result}");

    [Fact]
    public void Explain_allows_a_nodeport_client_by_allow_nodeport_at_the_prednat_stage()
    {
        var result = Explain("eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:30080");
        Assert.True(result.ExitCode == 0, result.ToString());
        var id = RuleOf(CompiledExample(), "allow-nodeport");
        Assert.Matches(new Regex($@"^prednat\s+allow\s+by allow-nodeport \[{id}\] \S*policies/nodeport-protection\.yaml:\d+$"), StageLine(result, "prednat"));
        Assert.Contains("program hep/node1-eth0/prednat/ingress", result.Output);
        // A pre-DNAT allow skips normal host ingress policy.
        Assert.Matches(@"^host\s+skip", StageLine(result, "host"));
        Assert.Contains("result:     accepted", result.Output);
    }

    [Fact]
    public void Explain_denies_another_port_by_drop_other_ingress()
    {
        var result = Explain("eth0", "tcp 203.0.113.5:40003 -> 192.0.2.10:30443");
        Assert.True(result.ExitCode == 0, result.ToString());
        var id = RuleOf(CompiledExample(), "drop-other-ingress");
        Assert.Matches(new Regex($@"^prednat\s+deny\s+by drop-other-ingress \[{id}\] \S*policies/nodeport-protection\.yaml:\d+$"), StageLine(result, "prednat"));
        Assert.Contains("result:     dropped", result.Output);
    }

    [Fact]
    public void Explain_accepts_ssh_by_failsafe()
    {
        var result = Explain("eth0", "tcp 198.51.100.20:50000 -> 192.0.2.10:22");
        Assert.True(result.ExitCode == 0, result.ToString());
        var failsafe = CompiledExample().Failsafes.Single(f => f.Direction == Direction.Ingress && f.Port == 22);
        Assert.Matches(new Regex($@"^prednat\s+pass\s+by failsafe \[{failsafe.Id}\]"), StageLine(result, "prednat"));
        Assert.Matches(new Regex($@"^host\s+allow\s+by failsafe \[{failsafe.Id}\]"), StageLine(result, "host"));
        Assert.Contains("failsafe inbound tcp:22", result.Output);
        Assert.Contains("result:     accepted", result.Output);
    }

    [Fact]
    public void Explain_does_not_police_an_interface_without_host_endpoint()
    {
        var result = Explain("eth9", "tcp 198.51.100.30:1234 -> 192.0.2.10:8080");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("eth9 -> no host endpoint", result.Output);
        Assert.Contains("does not police it", result.Output);
        Assert.DoesNotContain("program ", result.Output);
        Assert.Contains("result:     accepted", result.Output);
    }

    [Theory]
    [InlineData("tcp nonsense")]
    [InlineData("tcp 203.0.113.5 -> 192.0.2.10:30080")]
    [InlineData("bogus 203.0.113.5:1 -> 192.0.2.10:2")]
    [InlineData("tcp 203.0.113.5:1 -> [2001:db8::1]:2")]
    [InlineData("icmp 203.0.113.5 -> 192.0.2.10 type")]
    public void Explain_rejects_a_bad_packet_with_usage(string packet)
    {
        var result = Explain("eth0", packet);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.Contains($"bad packet '{packet}'", result.Error);
        Assert.Contains("usage: prednat", result.Error);
        Assert.Equal(string.Empty, result.Output);
    }

    [Fact]
    public void Explain_needs_an_ingress_interface_and_one_packet()
    {
        var noIngress = Run("explain", "--policy-dir", Policies, "tcp 203.0.113.5:40000 -> 192.0.2.10:30080");
        Assert.True(noIngress.ExitCode == 2, noIngress.ToString());
        Assert.Contains("--ingress", noIngress.Error);

        var noPacket = Run("explain", "--policy-dir", Policies, "--ingress", "eth0");
        Assert.True(noPacket.ExitCode == 2, noPacket.ToString());
    }

    [Fact]
    public void Explain_on_a_broken_set_prints_errors_and_exits_1()
    {
        var directory = TempPolicyDir(("a-policy.yaml", BadPolicy), ("hep.yaml", """
            apiVersion: projectcalico.org/v3
            kind: HostEndpoint
            metadata:
              name: h1
            spec:
              node: node1
              interfaceName: eth0
            """));
        var result = Run("explain", "--policy-dir", directory, "--ingress", "eth0", "tcp 203.0.113.5:40000 -> 192.0.2.10:30080");
        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Matches(DiagnosticLine, result.Error);
    }

    // `run` hosts the appliance on DPDK (EAL initialises once per process), so it is tested in child processes by
    // tests/PreDnatAppliance.Host.Tests, not in-process here.

    [Theory]
    [InlineData("bogus")]
    [InlineData("policy")]
    [InlineData("policy", "show")]
    [InlineData("check", "--bogus", "1")]
    [InlineData("check", "--policy-dir")]
    [InlineData("policy", "dump", "--verbose", "yes")]
    [InlineData("explain", "--ingress", "eth0", "--iface-addr", "eth0", "tcp 1.2.3.4:1 -> 5.6.7.8:2")]
    public void Unknown_commands_and_options_exit_2_with_usage(params string[] args)
    {
        var result = Run(args);
        Assert.True(result.ExitCode == 2, result.ToString());
        Assert.StartsWith("prednat: ", result.Error);
        Assert.Contains("usage: prednat", result.Error);
    }

    [Fact]
    public void No_arguments_prints_usage_and_exits_2_but_help_exits_0()
    {
        var none = Run();
        Assert.Equal(2, none.ExitCode);
        Assert.Contains("usage: prednat", none.Output);

        var help = Run("help");
        Assert.Equal(0, help.ExitCode);
        Assert.Contains("usage: prednat", help.Output);
    }
}

/// <summary>The CLI tests share process state (the environment, the working directory's view of policies/): run them one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class CliCollection
{
    public const string Name = "prednat CLI";
}
