using System.Globalization;
using System.Text.RegularExpressions;

namespace PreDnatAppliance.Dataplane.Tests.Infrastructure;

/// <summary>
/// <c>dpdk-testpmd</c> (Debian's <c>dpdk</c> package) as an interactive child process driven through stdin:
/// <c>start</c>, <c>stop</c>, <c>show port stats all</c>, <c>quit</c>, with bounded waits on its output.
/// </summary>
public sealed partial class TestPmd : IDisposable
{
    private static int s_counter;
    private readonly ChildProcess _child;

    public TestPmd(string name, IEnumerable<string> ealArgs, IEnumerable<string> appArgs)
    {
        FilePrefix = $"pda-tp{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        // stdbuf: testpmd writes through stdio, which a pipe would block-buffer until exit.
        var args = new List<string> { "-oL", "-eL", "dpdk-testpmd" };
        args.AddRange(ealArgs);
        args.Add("--file-prefix=" + FilePrefix);
        args.Add("--");
        args.Add("-i");
        args.AddRange(appArgs);
        _child = new ChildProcess("stdbuf", args, name);
        _child.WaitForLine(l => l.Contains("Checking link statuses", StringComparison.Ordinal), TimeSpan.FromSeconds(60), what: "testpmd start-up");
    }

    public string FilePrefix { get; }
    public ChildProcess Child => _child;

    public static bool Available => File.Exists("/usr/bin/dpdk-testpmd");

    public void Start()
    {
        var from = _child.LineCount;
        _child.Send("start");
        _child.WaitForLine(l => l.Contains("packet forwarding - ports=", StringComparison.Ordinal), TimeSpan.FromSeconds(30), from, "'start' acknowledged");
    }

    public void Stop()
    {
        var from = _child.LineCount;
        _child.Send("stop");
        _child.WaitForLine(l => l.Contains("Done.", StringComparison.Ordinal), TimeSpan.FromSeconds(30), from, "'stop' done");
    }

    /// <summary>Port 0's NIC statistics (RX-packets, TX-packets) from <c>show port stats 0</c>.</summary>
    public (ulong Rx, ulong Tx) PortStats()
    {
        var from = _child.LineCount;
        _child.Send("show port stats 0");
        _child.WaitForLine(l => l.Contains("NIC statistics for port 0", StringComparison.Ordinal), TimeSpan.FromSeconds(30), from, "port statistics");
        var txLine = _child.WaitForLine(l => l.TrimStart().StartsWith("TX-packets:", StringComparison.Ordinal), TimeSpan.FromSeconds(30), from, "TX-packets");
        var rxLine = _child.Lines.Skip(from).First(l => l.TrimStart().StartsWith("RX-packets:", StringComparison.Ordinal));
        return (First(rxLine), First(txLine));
    }

    private static ulong First(string line) => ulong.Parse(Number().Match(line).Value, CultureInfo.InvariantCulture);

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Number();

    public void Quit()
    {
        _child.Send("quit");
        if (!_child.WaitForExit(TimeSpan.FromSeconds(20)))
            _child.Kill();
    }

    public void Dispose()
    {
        _child.Dispose();
        try
        {
            var dir = Path.Combine("/var/run/dpdk", FilePrefix);
            if (Directory.Exists(dir))
                Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
