using System.Security.Cryptography;
using System.Text;

namespace PreDnatAppliance.Redeploy;

/// <summary>
/// The policy generator's content hash of a policy directory (generators/README.md): SHA-256 over each file's path
/// relative to the directory's parent ("policies/x.yaml") NUL, its text with LF line endings NUL, in ordinal path
/// order. A package is named by it, and the assembly built from the package must report the same one.
/// </summary>
public static class PolicyContentHash
{
    public static string Of(string directory)
    {
        var full = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        var root = Path.GetDirectoryName(full) ?? full;
        using var stream = new MemoryStream();
        foreach (var relative in PolicyFiles(full).Select(f => Path.GetRelativePath(root, f).Replace('\\', '/')).OrderBy(p => p, StringComparer.Ordinal))
        {
            stream.Write(Encoding.UTF8.GetBytes(relative));
            stream.WriteByte(0);
            var text = File.ReadAllText(Path.Combine(root, relative)).Replace("\r\n", "\n").Replace('\r', '\n');
            stream.Write(Encoding.UTF8.GetBytes(text));
            stream.WriteByte(0);
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream.ToArray()));
    }

    /// <summary>The files the generator reads: *.yaml and *.yml, recursively.</summary>
    public static IEnumerable<string> PolicyFiles(string directory) =>
        Directory.EnumerateFiles(directory, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal));
}
