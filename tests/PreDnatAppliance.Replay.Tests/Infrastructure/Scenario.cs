using System.Text.Json;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Runtime.Counters;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Replay.Tests.Infrastructure;

/// <summary>One step of a verdicts.jsonl line.</summary>
public sealed record Step(string Stage, string Verdict, string? Policy, string? RuleId, string? Source)
{
    public override string ToString() => Policy is null ? $"{Stage}:{Verdict}" : $"{Stage}:{Verdict}({Policy})";
}

/// <summary>One line of verdicts.jsonl.</summary>
public sealed record Verdict(long Index, string Ingress, string Result, string? Egress, string? Reason, IReadOnlyList<Step> Stages, string? NatDst, string? NatSrc)
{
    /// <summary>"parse:ok prednat:allow(allow-nodeport) dnat:dnat(shop/web:http/TCP/IPv4)"</summary>
    public string Trace => string.Join(" ", Stages);

    public Step? StageOf(string name) => Stages.LastOrDefault(s => s.Stage == name);

    public override string ToString() => $"#{Index} {Ingress} {Result} egress={Egress} reason={Reason} [{Trace}] nat=({NatDst} {NatSrc})";

    public static Verdict Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var r = doc.RootElement;
        string? S(JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null ? null : e.GetProperty(name).GetString();
        var stages = r.GetProperty("stages").EnumerateArray()
            .Select(s => new Step(S(s, "stage")!, S(s, "verdict")!, S(s, "policy"), S(s, "ruleId"), S(s, "source"))).ToList();
        var nat = r.GetProperty("nat");
        return new Verdict(r.GetProperty("index").GetInt64(), S(r, "ingress")!, S(r, "result")!, S(r, "egress"), S(r, "reason"), stages,
            nat.ValueKind == JsonValueKind.Null ? null : S(nat, "dst"), nat.ValueKind == JsonValueKind.Null ? null : S(nat, "src"));
    }
}

/// <summary>
/// A scenario: a policy set, services, a configuration (the embedded defaults unless changed) and packets sent on
/// ingress ports; <see cref="Run"/> writes one pcap per ingress port (timestamps 1 ms apart, or as set with
/// <see cref="Wait"/>), replays them with <see cref="ReplayEngine"/> exactly as <c>prednat replay</c> does, and
/// returns the outputs.
/// </summary>
public sealed class Scenario
{
    private readonly List<(string Ingress, byte[] Frame, long Time)> _packets = new();
    private long _time = 1_700_000_000_000_000_000;

    public Scenario(string name) => Name = name;

    public string Name { get; }
    public PolicyBundle Policies { get; set; } = PolicyBuild.Repository();
    public string ServicesYaml { get; set; } = ApplianceConfiguration.DefaultServicesYaml();
    public ApplianceConfiguration Configuration { get; set; } = ApplianceConfiguration.Default();
    public int BurstSize { get; set; } = 32;

    public Scenario Send(string ingress, byte[] frame)
    {
        _time += 1_000_000;
        _packets.Add((ingress, frame, _time));
        return this;
    }

    public Scenario Wait(TimeSpan time)
    {
        _time += time.Ticks * 100;
        return this;
    }

    public ScenarioRun Run()
    {
        var directory = Path.Combine(Path.GetTempPath(), "prednat-replay-tests", Name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        var inputs = new List<ReplayInput>();
        foreach (var group in _packets.GroupBy(p => p.Ingress))
        {
            var path = Path.Combine(directory, "in-" + group.Key + ".pcap");
            using (var writer = PcapWriter.Create(path, PcapPrecision.Nanoseconds))
                foreach (var p in group)
                    writer.WritePacket(p.Frame, p.Time);
            inputs.Add(new ReplayInput(path, group.Key));
        }
        var services = ServiceYamlLoader.Load(ServicesYaml, "services.yaml");
        var compiled = Policies.CompileFor(Configuration.Node.Name);
        using var runtime = ApplianceRuntime.Create(Configuration, Policies.Policy, compiled, services,
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, Trace = true, ConntrackHashSeed = Cli.ReplayCommand.HashSeed });
        var outDir = Path.Combine(directory, "out");
        ReplayResult result;
        using (var engine = new ReplayEngine(runtime, BurstSize))
            result = engine.Run(inputs, outDir);
        return new ScenarioRun(Name, outDir, result) { Counters = runtime.Counters.ReadTotal() };
    }
}

public sealed class ScenarioRun
{
    public ScenarioRun(string name, string outDirectory, ReplayResult result)
    {
        Name = name;
        OutDirectory = outDirectory;
        Result = result;
        VerdictsText = File.ReadAllText(Path.Combine(outDirectory, ReplayEngine.VerdictsFile));
        Verdicts = VerdictsText.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(Verdict.Parse).ToList();
    }

    public string Name { get; }
    public string OutDirectory { get; }
    public ReplayResult Result { get; }
    public string VerdictsText { get; }
    public IReadOnlyList<Verdict> Verdicts { get; }

    /// <summary>The runtime's pipeline counters after the replay.</summary>
    public PipelineCountersSnapshot? Counters { get; init; }

    public Verdict this[int index] => Verdicts[index];

    public string Pcap(string port) => Path.Combine(OutDirectory, port + ".pcap");

    public IReadOnlyList<string> OutputPcaps =>
        Directory.GetFiles(OutDirectory, "*.pcap").Select(Path.GetFileName).OrderBy(f => f, StringComparer.Ordinal).ToList()!;

    /// <summary>
    /// Compares verdicts.jsonl with Scenarios/Expected/&lt;name&gt;.jsonl. <c>PREDNAT_UPDATE_EXPECTED=1</c> rewrites the
    /// expected file instead (review the diff).
    /// </summary>
    public ScenarioRun MatchesExpected()
    {
        var path = Path.Combine(Paths.ProjectDirectory, "Scenarios", "Expected", Name + ".jsonl");
        if (Environment.GetEnvironmentVariable("PREDNAT_UPDATE_EXPECTED") == "1")
        {
            File.WriteAllText(path, VerdictsText);
            return this;
        }
        Assert.True(File.Exists(path), $"{path} is missing; run the test with PREDNAT_UPDATE_EXPECTED=1 to write it, then review it");
        var expected = File.ReadAllText(path).Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var actual = VerdictsText.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < Math.Max(expected.Length, actual.Length); i++)
        {
            var e = i < expected.Length ? expected[i] : "(none)";
            var a = i < actual.Length ? actual[i] : "(none)";
            Assert.True(e == a, $"{Name}: verdicts.jsonl line {i + 1} differs\n expected: {e}\n actual:   {a}");
        }
        return this;
    }

    /// <summary>Every output pcap read by tshark with checksum validation: no bad IP, TCP, UDP, ICMP or ICMPv6 checksum, outer or embedded.</summary>
    public ScenarioRun ChecksumsVerified()
    {
        foreach (var file in OutputPcaps)
        {
            var rows = Tshark.Fields(Path.Combine(OutDirectory, file), "ip.checksum.status", "tcp.checksum.status", "udp.checksum.status",
                "icmp.checksum.status", "icmpv6.checksum.status");
            foreach (var row in rows)
                foreach (var field in row)
                    Assert.False(field.Split(',').Contains("0"), $"{Name}: {file}: tshark reports a bad checksum: {string.Join(" | ", row)}");
        }
        return this;
    }
}
