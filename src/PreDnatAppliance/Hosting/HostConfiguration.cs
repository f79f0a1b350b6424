using System.Collections;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Hosting.Demo;
using PreDnatAppliance.Management;
using PreDnatAppliance.Pipeline.Configuration;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// <c>prednat run</c>'s configuration, in layers (later wins), the usual .NET order:
/// <list type="number">
/// <item>the appliance file (<c>--config</c>, strict JSON as <c>prednat replay</c> reads it) or the embedded demo;</item>
/// <item><c>appsettings.json</c> in the working directory (optional);</item>
/// <item>environment variables <c>PREDNAT_SECTION__KEY</c> (only names with <c>__</c>, so the scripts' own
/// <c>PREDNAT_ARTIFACTS</c> and friends are not configuration);</item>
/// <item>the command line: <c>--section:key=value</c>, plus <c>--config</c>, <c>--services</c>, <c>--policy-dir</c> and
/// <c>--duration</c> as short forms of <c>run:*</c>.</item>
/// </list>
/// Keys are case-insensitive paths (<c>dataplane:ports:0:vdev</c>); arrays merge by index. The sections <c>run</c>,
/// <c>management</c> and <c>logging</c> belong to the host; every other key must be an appliance setting: unknown keys
/// are errors in every layer, as in the file.
/// </summary>
public sealed partial class HostConfiguration : IDisposable
{
    public const string EnvironmentPrefix = "PREDNAT_";
    public const string SettingsFile = "appsettings.json";
    private static readonly string[] HostSections = { "run", "management", "logging" };

    private static readonly Dictionary<string, string> ShortOptions = new(StringComparer.Ordinal)
    {
        ["--config"] = "run:config",
        ["--services"] = "run:services",
        ["--policy-dir"] = "run:policyDir",
        ["--duration"] = "run:duration",
    };

    private static readonly JsonSerializerOptions BaseLayerJson = new(DataplaneOptions.JsonOptions)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    static HostConfiguration()
    {
        KebabCaseEnumConverter<PortRole>.Register();
    }

    private HostConfiguration(IConfigurationRoot root, RunSettings run, ManagementOptions management, ApplianceConfiguration appliance,
        string sourceName, DemoSetup? demo)
    {
        Root = root;
        Run = run;
        Management = management;
        Appliance = appliance;
        SourceName = sourceName;
        Demo = demo;
    }

    /// <summary>Every layer merged (the host's logging reads it too).</summary>
    public IConfigurationRoot Root { get; }
    public RunSettings Run { get; }
    public ManagementOptions Management { get; }
    public ApplianceConfiguration Appliance { get; }

    /// <summary>Where the appliance layer came from: the file name, or "embedded demo".</summary>
    public string SourceName { get; }

    /// <summary>The demo's traffic files, when no <c>--config</c> was given.</summary>
    public DemoSetup? Demo { get; }

    /// <summary>Builds every layer and binds the sections; throws <see cref="HostConfigurationException"/> listing every problem.</summary>
    public static HostConfiguration Load(IReadOnlyList<string> args, string workingDirectory)
    {
        var errors = new List<string>();
        IConfigurationRoot overrides;
        try
        {
            overrides = new ConfigurationBuilder()
                .SetBasePath(workingDirectory)
                .AddJsonFile(SettingsFile, optional: true, reloadOnChange: false)
                .AddInMemoryCollection(EnvironmentLayer())
                .AddCommandLine(args.ToArray(), ShortOptions)
                .Build();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException or IOException)
        {
            throw new HostConfigurationException(new[] { $"configuration: {e.Message}" });
        }

        var run = Bind<RunSettings>(overrides.GetSection("run"), "run", errors);
        errors.AddRange(run.Validate());
        if (errors.Count > 0)
            throw new HostConfigurationException(errors);

        DemoSetup? demo = null;
        ApplianceConfiguration file;
        try
        {
            if (run.Config is { } path)
            {
                file = ApplianceConfiguration.Load(path);
            }
            else
            {
                demo = DemoSetup.Create();
                file = demo.Configuration;
            }
        }
        catch (ApplianceConfigurationException e)
        {
            throw new HostConfigurationException(e.Errors);
        }

        var baseLayer = new MemoryStream(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(file, BaseLayerJson)));
        var root = new ConfigurationBuilder().AddJsonStream(baseLayer).AddConfiguration(overrides).Build();

        var applianceKeys = root.AsEnumerable()
            .Where(kv => kv.Value is not null && !HostSections.Contains(kv.Key.Split(':', 2)[0], StringComparer.OrdinalIgnoreCase)).ToList();
        errors.AddRange(ConfigurationKeys.Unknown(applianceKeys.Select(kv => kv.Key), typeof(ApplianceConfiguration), ""));
        errors.AddRange(ConfigurationKeys.Unknown(root.GetSection("management").AsEnumerable(makePathsRelative: true).Where(kv => kv.Value is not null).Select(kv => kv.Key),
            typeof(ManagementOptions), "management:"));
        if (errors.Count > 0)
        {
            demo?.Dispose();
            throw new HostConfigurationException(errors);
        }
        var appliance = Bind<ApplianceConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(applianceKeys).Build(), "appliance", errors);
        var management = Bind<ManagementOptions>(root.GetSection("management"), "management", errors);
        if (errors.Count > 0)
        {
            demo?.Dispose();
            throw new HostConfigurationException(errors);
        }
        return new HostConfiguration(root, run, management, appliance, run.Config ?? "embedded demo", demo);
    }

    /// <summary><c>PREDNAT_A__B=v</c> becomes <c>a:b = v</c>; names without <c>__</c> are the scripts' switches, not configuration.</summary>
    private static IEnumerable<KeyValuePair<string, string?>> EnvironmentLayer()
    {
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            var name = (string)e.Key;
            if (name.StartsWith(EnvironmentPrefix, StringComparison.OrdinalIgnoreCase) && name.Contains("__", StringComparison.Ordinal))
                yield return new(name[EnvironmentPrefix.Length..].Replace("__", ":", StringComparison.Ordinal), (string?)e.Value);
        }
    }

    /// <summary>Binds strictly: an unknown key or a value of the wrong type is an error naming the key.</summary>
    private static T Bind<T>(IConfiguration section, string name, List<string> errors) where T : new()
    {
        var value = new T();
        try
        {
            section.Bind(value, o => o.ErrorOnUnknownConfiguration = true);
        }
        catch (InvalidOperationException e)
        {
            errors.Add(Explain(name, e));
        }
        return value;
    }

    /// <summary>The binder's messages, reworded to name the key the way the layers spell it.</summary>
    private static string Explain(string section, InvalidOperationException e)
    {
        var conversion = e.InnerException is { } inner ? ConversionFailure().Match(inner.Message) : Match.Empty;
        if (conversion.Success)
        {
            var innermost = e.InnerException!;
            while (innermost.InnerException is not null)
                innermost = innermost.InnerException;
            var key = conversion.Groups["key"].Value.ToLowerInvariant();
            return $"{key}: '{conversion.Groups["value"].Value}' is not valid here ({innermost.Message})";
        }
        var unknown = UnknownKeys().Match(e.Message);
        if (unknown.Success)
            return $"{section}: unknown key(s) {unknown.Groups["keys"].Value} (no such setting in {unknown.Groups["type"].Value.Split('.')[^1]})";
        return $"{section}: {e.Message}";
    }

    [GeneratedRegex("Failed to convert configuration value '(?<value>.*)' at '(?<key>[^']*)'")]
    private static partial Regex ConversionFailure();

    [GeneratedRegex("not found on the instance of (?<type>[\\w.]+): (?<keys>.*)$")]
    private static partial Regex UnknownKeys();

    public void Dispose() => Demo?.Dispose();
}

public sealed class HostConfigurationException : Exception
{
    public HostConfigurationException(IReadOnlyList<string> errors)
        : base("invalid configuration:" + string.Concat(errors.Select(e => "\n  " + e)))
        => Errors = errors;

    public IReadOnlyList<string> Errors { get; }
}
