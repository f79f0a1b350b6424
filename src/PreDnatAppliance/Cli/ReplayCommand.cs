using System.Globalization;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;

namespace PreDnatAppliance.Cli;

/// <summary>
/// <c>prednat replay</c>: runs pcap files through the packet pipeline offline (the same stage code as the DPDK data
/// path) and writes per-port output pcaps and verdicts.jsonl (docs/pipeline.md#replay).
/// </summary>
public static class ReplayCommand
{
    /// <summary>Fixed conntrack hash seed: replay of the same input gives the same output.</summary>
    public const ulong HashSeed = 0x5eed_0f_5eed_0f_01UL;

    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        var line = CommandLine.Parse(args, new[] { "config", "services", "pcap", "ingress", "out-dir", "policy-dir", "burst" });
        if (line.Positional.Count > 0)
            throw new UsageException($"replay takes no positional arguments ('{line.Positional[0]}')");
        var pcaps = line.GetAll("pcap");
        var ingresses = line.GetAll("ingress");
        if (pcaps.Count == 0)
            throw new UsageException("replay needs at least one --pcap FILE --ingress IFACE pair");
        if (pcaps.Count != ingresses.Count)
            throw new UsageException($"replay needs one --ingress per --pcap ({pcaps.Count} --pcap, {ingresses.Count} --ingress)");
        var outDir = line.Get("out-dir") ?? throw new UsageException("replay needs --out-dir DIR");
        var burst = 32;
        if (line.Get("burst") is { } b && (!int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out burst) || burst is < 1 or > 256))
            throw new UsageException($"--burst {b}: a burst size is 1..256");

        try
        {
            using var runtime = ApplianceLoading.CreateRuntime(line.Get("config"), line.Get("services"), line.Get("policy-dir"),
                new RuntimeOptions { TicksPerSecond = 1_000_000_000, Trace = true, ConntrackHashSeed = HashSeed }, error);
            if (runtime is null)
                return 1;
            using var engine = new ReplayEngine(runtime, burst);
            var result = engine.Run(pcaps.Select((p, i) => new ReplayInput(p, ingresses[i])).ToList(), outDir);
            output.WriteLine($"replay: {result}");
            output.WriteLine($"replay: wrote {Path.Combine(outDir, ReplayEngine.VerdictsFile)}");
            return 0;
        }
        catch (Exception e) when (ApplianceLoading.IsInputError(e))
        {
            error.WriteLine($"prednat: replay: {e.Message}");
            return 1;
        }
    }
}
