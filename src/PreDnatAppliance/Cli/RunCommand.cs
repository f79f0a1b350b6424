using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Evaluation;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Cli;

/// <summary>
/// <c>prednat run</c> on its embedded default. Until the DPDK data path exists this replays the bundled demo
/// traffic through the policy stages offline (the reference pipeline) and prints live verdicts and a summary.
/// </summary>
public static class RunCommand
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, new[] { "policy-dir", "node", "traffic" });
        var directory = PolicyDirectory.Resolve(line.Get("policy-dir"));
        var compiled = PolicyLoading.LoadCompiled(directory, line.Get("node"), error, HostEndpointResolver.SingleNode);
        if (compiled is null)
        {
            error.WriteLine("prednat: refusing to run a policy set with errors");
            return 1;
        }
        var node = compiled.Node ?? throw new UsageException("the policy set has endpoints on several nodes (or none); name one with --node");

        output.WriteLine($"prednat: policy {directory} for node {node}: {compiled.Programs.Count} programs, {compiled.Rules.Count} rules");
        output.WriteLine("prednat: data path: offline reference pipeline on the bundled demo traffic (the DPDK poll loop replaces it)");
        var explainer = new PolicyExplainer(compiled, node);
        var perStage = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var perRule = new Dictionary<RuleId, int>();
        int accepted = 0, dropped = 0, index = 0;
        foreach (var (iface, packet) in ReadTraffic(line.Get("traffic")))
        {
            var explanation = explainer.Explain(iface, packet);
            var decisive = explanation.Stages.LastOrDefault(s => s.Verdict is "allow" or "deny") ?? explanation.Stages.LastOrDefault();
            foreach (var stage in explanation.Stages)
            {
                var key = $"{stage.Stage} {stage.Verdict}";
                perStage[key] = perStage.TryGetValue(key, out var n) ? n + 1 : 1;
                if (stage.RuleId is { } id)
                    perRule[id] = perRule.TryGetValue(id, out var hits) ? hits + 1 : 1;
            }
            if (explanation.Accepted) accepted++; else dropped++;
            var by = decisive?.RuleId is { } rule ? $"{decisive.Stage} {decisive.Owner} [{rule}]" : decisive?.Reason ?? "";
            output.WriteLine($"{++index,4} {iface,-5} {packet,-52} {(explanation.Accepted ? "accept" : "drop"),-6} {by}");
        }

        output.WriteLine();
        output.WriteLine($"summary: {index} packets, {accepted} accepted, {dropped} dropped");
        foreach (var pair in perStage)
            output.WriteLine($"  stage {pair.Key,-16} {pair.Value,6}");
        foreach (var pair in perRule.OrderByDescending(p => p.Value).ThenBy(p => p.Key))
        {
            var info = compiled.Rules.TryGetValue(pair.Key, out var r) ? $"{r.Owner}: {r.Description} {r.Location.ToShortString()}" : "";
            output.WriteLine($"  rule {pair.Key} {pair.Value,6}  {info}");
        }
        return 0;
    }

    private static IEnumerable<(string Interface, PacketTuple Packet)> ReadTraffic(string? path)
    {
        var text = path is null ? ReadEmbedded() : File.ReadAllText(path);
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("#", StringComparison.Ordinal))
                continue;
            var space = line.IndexOf(' ');
            if (space < 0 || !PacketTuple.TryParse(line.Substring(space + 1), out var packet, out var error))
                throw new UsageException($"{path ?? "demo-traffic.txt"}:{lineNumber}: expected \"IFACE PACKET\"");
            yield return (line.Substring(0, space), packet);
        }
    }

    private static string ReadEmbedded()
    {
        using var stream = typeof(RunCommand).Assembly.GetManifestResourceStream("demo-traffic.txt")
            ?? throw new InvalidOperationException("demo-traffic.txt is not embedded");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
