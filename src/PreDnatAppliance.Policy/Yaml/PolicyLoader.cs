using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>
/// Reads Calico v3 resources from YAML the way calicoctl does (strict decoding), keeping the line and
/// column of every value. Never throws on bad input: every problem becomes a diagnostic and reading goes on.
/// </summary>
public static class PolicyLoader
{
    /// <summary>
    /// Every *.yaml / *.yml under <paramref name="directory"/>, recursively, in ordinal order of relative path.
    /// Diagnostic file names are the directory as given joined with the relative path, with '/' separators.
    /// </summary>
    public static PolicySet LoadDirectory(string directory)
    {
        var set = new PolicySet();
        if (string.IsNullOrEmpty(directory) || !Directory.Exists(directory))
        {
            set.Diagnostics.Add(DiagnosticDescriptors.YamlPathUnreadable, new SourceLocation(ToDisplay(directory ?? string.Empty), 0, 0),
                $"policy directory '{directory}' does not exist");
            return set;
        }
        var root = Path.GetFullPath(directory);
        var files = new List<string>();
        CollectYamlFiles(set, directory, root, root, files);
        foreach (var relative in files.OrderBy(f => f, StringComparer.Ordinal))
        {
            var display = ToDisplay(Path.Combine(directory, relative));
            string text;
            try
            {
                text = File.ReadAllText(Path.Combine(root, relative));
            }
            catch (Exception ex) when (IsFileSystemError(ex))
            {
                set.Diagnostics.Add(DiagnosticDescriptors.YamlPathUnreadable, new SourceLocation(display, 0, 0), $"cannot read policy file: {ex.Message}");
                continue;
            }
            LoadText(set, display, text);
        }
        return set;
    }

    /// <summary>Parses one file's text into <paramref name="set"/>: resources appended in document order, diagnostics into its bag.</summary>
    public static void LoadText(PolicySet set, string displayPath, string text)
    {
        if (set is null)
        {
            throw new ArgumentNullException(nameof(set));
        }
        var context = new ReadContext(displayPath ?? string.Empty, set.Diagnostics);
        YamlDocumentReader.Read(context, text ?? string.Empty, document => ReadDocument(context, document, set));
    }

    private static void ReadDocument(ReadContext context, YamlDocument document, PolicySet set)
    {
        try
        {
            ResourceReader.ReadDocument(context, document, set);
        }
        catch (Exception ex)
        {
            // A loader bug must not take down the build (this runs inside a source generator); say where it happened.
            context.Report(DiagnosticDescriptors.YamlInternalError, context.At(document.Line, document.Column),
                $"internal error while reading this document: {ex.GetType().Name}: {ex.Message}");
        }
    }

    // Directories are walked by hand: netstandard2.0 has no EnumerationOptions, and one unreadable
    // subdirectory must be reported without hiding the rest.
    private static void CollectYamlFiles(PolicySet set, string given, string root, string current, List<string> files)
    {
        string[] entries;
        string[] subdirectories;
        try
        {
            entries = Directory.GetFiles(current);
            subdirectories = Directory.GetDirectories(current);
        }
        catch (Exception ex) when (IsFileSystemError(ex))
        {
            var display = ToDisplay(Path.Combine(given, Relative(root, current)));
            set.Diagnostics.Add(DiagnosticDescriptors.YamlPathUnreadable, new SourceLocation(display, 0, 0), $"cannot read policy directory: {ex.Message}");
            return;
        }
        foreach (var file in entries)
        {
            var extension = Path.GetExtension(file);
            if (string.Equals(extension, ".yaml", StringComparison.OrdinalIgnoreCase) || string.Equals(extension, ".yml", StringComparison.OrdinalIgnoreCase))
            {
                files.Add(Relative(root, file));
            }
        }
        foreach (var subdirectory in subdirectories)
        {
            CollectYamlFiles(set, given, root, subdirectory, files);
        }
    }

    private static string Relative(string root, string path) =>
        ToDisplay(path.Substring(root.Length).TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar));

    private static string ToDisplay(string path) => path.Replace('\\', '/');

    private static bool IsFileSystemError(Exception ex) =>
        ex is IOException or UnauthorizedAccessException or System.Security.SecurityException or NotSupportedException;
}
