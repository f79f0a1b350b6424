using System.Diagnostics;

namespace PreDnatAppliance.Replay.Tests.Infrastructure;

/// <summary>
/// tshark (installed by ./prednat) as an independent reader of the output pcaps, with IP/TCP/UDP checksum
/// validation on; run as a process with a timeout.
/// </summary>
public static class Tshark
{
    public const string Path = "/usr/bin/tshark";

    public static IReadOnlyList<string[]> Fields(string pcap, params string[] fields)
    {
        Assert.True(File.Exists(Path), "tshark is not installed (./prednat test installs it: apt-get install tshark)");
        var start = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var a in new[] { "-n", "-r", pcap, "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE", "-o", "udp.check_checksum:TRUE",
                     "-T", "fields", "-E", "separator=|", "-E", "occurrence=a", "-E", "aggregator=," })
            start.ArgumentList.Add(a);
        foreach (var f in fields)
        {
            start.ArgumentList.Add("-e");
            start.ArgumentList.Add(f);
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"tshark -r {pcap} did not finish in 60 s");
        }
        Assert.True(process.ExitCode == 0, $"tshark -r {pcap} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('|')).ToList();
    }

    /// <summary>One packet of an output pcap as tshark decodes it, by field name.</summary>
    public static IReadOnlyList<Dictionary<string, string>> Packets(string pcap, params string[] fields) =>
        Fields(pcap, fields).Select(row => fields.Select((f, i) => (f, v: i < row.Length ? row[i] : "")).ToDictionary(x => x.f, x => x.v)).ToList();
}
