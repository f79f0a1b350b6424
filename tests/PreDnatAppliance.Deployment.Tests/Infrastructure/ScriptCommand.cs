namespace PreDnatAppliance.Deployment.Tests.Infrastructure;

/// <summary>A <c>./prednat</c> command the README shows: its subcommand words (<c>policy dump</c>) and its options.</summary>
public sealed record ScriptCommand(string Subcommand, IReadOnlySet<string> Options)
{
    public const string Script = "./prednat";

    /// <summary>Null unless the words are a call of the script.</summary>
    public static ScriptCommand? From(IReadOnlyList<string> words)
    {
        if (words.Count == 0 || words[0] != Script)
            return null;
        var subcommand = words.Count < 2 ? "" : words[1];
        // The one two-word command: "policy dump".
        if (subcommand == "policy" && words.Count > 2 && !words[2].StartsWith('-'))
            subcommand += " " + words[2];
        var options = words.Skip(1).Where(w => w.StartsWith("--", StringComparison.Ordinal)).Select(w => w.Split('=')[0]).ToHashSet(StringComparer.Ordinal);
        return new ScriptCommand(subcommand, options);
    }

    /// <summary>Every <c>./prednat</c> line inside the fenced code blocks of a Markdown text.</summary>
    public static IReadOnlyList<ScriptCommand> InCodeBlocks(string markdown)
    {
        var commands = new List<ScriptCommand>();
        var inBlock = false;
        foreach (var raw in markdown.Replace("\r\n", "\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inBlock = !inBlock;
                continue;
            }
            if (!inBlock || !line.StartsWith(Script + " ", StringComparison.Ordinal))
                continue;
            foreach (var words in ShellCommands.Split(line))
                if (From(words) is { } command)
                    commands.Add(command);
        }
        return commands;
    }

    public override string ToString() => $"{Script} {Subcommand}{string.Concat(Options.Order().Select(o => " " + o))}";
}
