using System.Text.RegularExpressions;

namespace PreDnatAppliance.Deployment.Tests.Infrastructure;

public sealed record DockerInstruction(string Keyword, string Arguments, int Line);

public sealed record DockerStage(string Name, string From, int Line, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    public DockerInstruction? Last(string keyword) => Instructions.LastOrDefault(i => i.Keyword == keyword);
}

/// <summary>
/// A Dockerfile as BuildKit reads it: comment lines dropped, backslash continuations joined, one instruction per
/// logical line, stages from FROM to FROM, and the ARGs before the first FROM (which FROM lines may use).
/// </summary>
public sealed partial class Dockerfile
{
    public IReadOnlyDictionary<string, string> GlobalArgs { get; }
    public IReadOnlyList<DockerStage> Stages { get; }

    private Dockerfile(IReadOnlyDictionary<string, string> globalArgs, IReadOnlyList<DockerStage> stages)
    {
        GlobalArgs = globalArgs;
        Stages = stages;
    }

    public DockerStage Stage(string name) =>
        Stages.SingleOrDefault(s => s.Name == name) ?? throw new InvalidOperationException($"the Dockerfile has no stage '{name}'");

    public static Dockerfile Parse(string text)
    {
        var globals = new Dictionary<string, string>(StringComparer.Ordinal);
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        (string Name, string From, int Line)? header = null;
        foreach (var instruction in Instructions(text))
        {
            if (instruction.Keyword == "FROM")
            {
                if (header is { } h)
                    stages.Add(new DockerStage(h.Name, h.From, h.Line, current!));
                var words = instruction.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
                var name = words.Count >= 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : $"#{stages.Count}";
                header = (name, words[0], instruction.Line);
                current = new List<DockerInstruction>();
            }
            else if (current is null)
            {
                if (instruction.Keyword == "ARG" && ArgPattern().Match(instruction.Arguments) is { Success: true } m)
                    globals[m.Groups["name"].Value] = m.Groups["value"].Value;
            }
            else
            {
                current.Add(instruction);
            }
        }
        if (header is { } last)
            stages.Add(new DockerStage(last.Name, last.From, last.Line, current!));
        return new Dockerfile(globals, stages);
    }

    /// <summary>The image a stage starts from with the global ARG defaults substituted: another stage's name or an image reference.</summary>
    public string ResolvedFrom(DockerStage stage) =>
        VariablePattern().Replace(stage.From, m => GlobalArgs.TryGetValue(m.Groups["name"].Value, out var v) ? v : m.Value);

    /// <summary>The external image a stage is ultimately built on, following FROM lines that name earlier stages.</summary>
    public string BaseImage(DockerStage stage)
    {
        var from = ResolvedFrom(stage);
        var parent = Stages.TakeWhile(s => s != stage).LastOrDefault(s => s.Name == from);
        return parent is null ? from : BaseImage(parent);
    }

    private static IEnumerable<DockerInstruction> Instructions(string text)
    {
        var lines = text.Replace("\r\n", "\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var trimmed = lines[i].Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            var start = i + 1;
            var logical = trimmed;
            while (logical.EndsWith('\\') && i + 1 < lines.Length)
            {
                logical = logical[..^1];
                var next = lines[++i].Trim();
                if (next.StartsWith('#'))
                    continue;
                logical += "\n" + next;
            }
            var space = logical.IndexOfAny(new[] { ' ', '\t' });
            var keyword = (space < 0 ? logical : logical[..space]).ToUpperInvariant();
            yield return new DockerInstruction(keyword, space < 0 ? "" : logical[(space + 1)..].Trim(), start);
        }
    }

    [GeneratedRegex(@"^(?<name>[A-Za-z_][A-Za-z0-9_]*)(=(?<value>\S*))?$")]
    private static partial Regex ArgPattern();

    [GeneratedRegex(@"\$\{?(?<name>[A-Za-z_][A-Za-z0-9_]*)\}?")]
    private static partial Regex VariablePattern();
}
