namespace PreDnatAppliance.Cli;

/// <summary>
/// A small POSIX-style option reader: <c>--name value</c>, <c>--name=value</c>, repeatable options, and
/// positional arguments. Unknown options are errors so that a typo never silently changes behaviour.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly List<string> _positional = new();

    private CommandLine() { }

    public IReadOnlyList<string> Positional => _positional;

    public static CommandLine Parse(IEnumerable<string> args, IReadOnlyCollection<string> knownOptions)
    {
        var line = new CommandLine();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg == "--")
            {
                line._positional.Add(arg);
                continue;
            }
            var eq = arg.IndexOf('=');
            var name = eq > 0 ? arg.Substring(2, eq - 2) : arg.Substring(2);
            if (!knownOptions.Contains(name))
                throw new UsageException($"unknown option --{name}");
            string value;
            if (eq > 0)
                value = arg.Substring(eq + 1);
            else if (e.MoveNext())
                value = e.Current;
            else
                throw new UsageException($"--{name} needs a value");
            if (!line._options.TryGetValue(name, out var values))
                line._options[name] = values = new List<string>();
            values.Add(value);
        }
        return line;
    }

    public string? Get(string name) => _options.TryGetValue(name, out var values) ? values[values.Count - 1] : null;

    public IReadOnlyList<string> GetAll(string name) => _options.TryGetValue(name, out var values) ? values : Array.Empty<string>();
}

public sealed class UsageException : Exception
{
    public UsageException(string message) : base(message) { }
}
