using System.Text.Json;
using System.Text.Json.Serialization;

namespace PreDnatAppliance.Redeploy;

/// <summary>
/// A built policy, immutable on disk: <c>ROOT/&lt;hash&gt;-&lt;toolchain&gt;/</c> holds the policy YAML it was built from
/// (<c>policy/&lt;name&gt;/</c>), the generated <c>PreDnatAppliance.Policies.dll</c> and <c>package.json</c>. Named by content
/// hash (and the appliance build), so the same policy is built once and two different policies never share a directory.
/// </summary>
public sealed record PolicyPackage
{
    public const string ManifestFile = "package.json";

    /// <summary>The package directory.</summary>
    [JsonIgnore]
    public string Directory { get; init; } = "";

    public required string ContentHash { get; init; }

    /// <summary>The directory the policy was taken from (for people; the package keeps its own copy).</summary>
    public required string OriginalDirectory { get; init; }

    /// <summary>The copy of the policy YAML inside the package, relative to <see cref="Directory"/>.</summary>
    public required string PolicyDirectory { get; init; }

    /// <summary>The generated policy assembly, relative to <see cref="Directory"/>.</summary>
    public required string Assembly { get; init; }

    public DateTimeOffset BuiltAt { get; init; }

    [JsonIgnore]
    public string PolicyPath => Path.Combine(Directory, PolicyDirectory);

    [JsonIgnore]
    public string AssemblyPath => Path.Combine(Directory, Assembly);

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    /// <summary>Reads a package's manifest; throws <see cref="InvalidDataException"/> when it is not a complete package.</summary>
    public static PolicyPackage Open(string directory)
    {
        var full = Path.GetFullPath(directory);
        var manifest = Path.Combine(full, ManifestFile);
        if (!File.Exists(manifest))
            throw new InvalidDataException($"{full} is not a policy package (no {ManifestFile})");
        var package = JsonSerializer.Deserialize<PolicyPackage>(File.ReadAllText(manifest), Json)
            ?? throw new InvalidDataException($"{manifest} is empty");
        package = package with { Directory = full };
        if (!File.Exists(package.AssemblyPath) || !System.IO.Directory.Exists(package.PolicyPath))
            throw new InvalidDataException($"{full}: the package is incomplete ({package.Assembly} or {package.PolicyDirectory} missing)");
        return package;
    }

    public void Save() => File.WriteAllText(Path.Combine(Directory, ManifestFile), JsonSerializer.Serialize(this, Json));
}
