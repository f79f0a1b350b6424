using System.Text.Json;
using System.Text.RegularExpressions;

namespace PreDnatAppliance.Deployment.Tests.Infrastructure;

/// <summary>
/// The simple commands of a RUN step or a README line, as words: split at <c>&amp;&amp;</c>, <c>||</c>, <c>;</c>,
/// <c>|</c> and line ends, with shell keywords (<c>if</c>, <c>then</c>, <c>fi</c>, ...), leading variable
/// assignments and comments removed. Enough for the one-line commands the Dockerfile and the README use.
/// </summary>
public static partial class ShellCommands
{
    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "if", "then", "else", "elif", "fi", "do", "done", "!" };

    public static IReadOnlyList<IReadOnlyList<string>> Split(string script)
    {
        if (ExecForm(script) is { } exec)
            return new[] { exec };
        var commands = new List<IReadOnlyList<string>>();
        foreach (var piece in Separator().Split(script))
        {
            var words = Words(StripComment(piece)).ToList();
            while (words.Count > 0 && (Keywords.Contains(words[0]) || Assignment().IsMatch(words[0])))
                words.RemoveAt(0);
            if (words.Count > 0)
                commands.Add(words);
        }
        return commands;
    }

    /// <summary>A condition (<c>[ ... ]</c>, <c>test</c>, <c>true</c>, <c>exit</c>) rather than a command that does work.</summary>
    public static bool IsCondition(IReadOnlyList<string> command) => command[0] is "[" or "test" or "true" or "false" or "exit";

    /// <summary>The exec form <c>RUN ["cmd", "arg"]</c> is one command, run without a shell.</summary>
    private static IReadOnlyList<string>? ExecForm(string script)
    {
        if (!script.TrimStart().StartsWith("[\"", StringComparison.Ordinal))
            return null;
        try
        {
            return JsonSerializer.Deserialize<string[]>(script);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string StripComment(string text)
    {
        var inQuotes = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '"')
                inQuotes = !inQuotes;
            else if (text[i] == '#' && !inQuotes && (i == 0 || char.IsWhiteSpace(text[i - 1])))
                return text[..i];
        }
        return text;
    }

    private static IEnumerable<string> Words(string text)
    {
        foreach (Match m in Word().Matches(text))
            yield return m.Groups["quoted"].Success ? m.Groups["quoted"].Value : m.Value;
    }

    [GeneratedRegex(@"&&|\|\||;|\||\n")]
    private static partial Regex Separator();

    [GeneratedRegex(@"""(?<quoted>[^""]*)""|'(?<quoted>[^']*)'|[^\s]+")]
    private static partial Regex Word();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]*=")]
    private static partial Regex Assignment();
}
