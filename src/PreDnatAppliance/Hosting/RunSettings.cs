namespace PreDnatAppliance.Hosting;

/// <summary>The <c>run</c> configuration section: what <c>prednat run</c> loads and how it behaves (not the appliance itself).</summary>
public sealed class RunSettings
{
    /// <summary>The appliance configuration file (<c>--config</c>); null runs the embedded demo on virtual devices.</summary>
    public string? Config { get; set; }

    /// <summary>The services file (<c>--services</c>), watched for changes; null uses the embedded default (not watched).</summary>
    public string? Services { get; set; }

    /// <summary>A policy directory to rebuild the policy assembly from (<c>--policy-dir</c>); null uses the built-in one.</summary>
    public string? PolicyDir { get; set; }

    /// <summary>Stop by itself after this many seconds (<c>--duration</c>); null runs until SIGTERM or Ctrl-C.</summary>
    public double? Duration { get; set; }

    /// <summary>Print one line per second with rates and verdicts.</summary>
    public bool LiveView { get; set; } = true;

    /// <summary>The host's shutdown timeout: draining the workers, stopping the ports and the final report fit in it.</summary>
    public double ShutdownTimeoutSeconds { get; set; } = 30;

    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Duration is { } d && (double.IsNaN(d) || d <= 0 || d > 365 * 86400))
            errors.Add($"run:duration: {d} is not a number of seconds above 0");
        if (ShutdownTimeoutSeconds is < 1 or > 600 || double.IsNaN(ShutdownTimeoutSeconds))
            errors.Add($"run:shutdownTimeoutSeconds: {ShutdownTimeoutSeconds} is outside 1..600");
        if (Config is { } c && !File.Exists(c))
            errors.Add($"run:config: '{c}' does not exist");
        if (Services is { } s && !File.Exists(s))
            errors.Add($"run:services: '{s}' does not exist");
        if (PolicyDir is { } p && !Directory.Exists(p))
            errors.Add($"run:policyDir: '{p}' is not a directory");
        return errors;
    }
}
