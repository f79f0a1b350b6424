using System.Globalization;
using PreDnatAppliance.Dataplane.Configuration;

namespace PreDnatAppliance.Dataplane.Tests.Infrastructure;

/// <summary>
/// <c>prednat dataplane</c> in a child process, with its own DPDK file prefix and scratch directory. DPDK's
/// EAL initialises once per process, so every end-to-end test gets a fresh process (and a fresh EAL).
/// </summary>
public sealed class DataplaneProcess : IDisposable
{
    private static int s_counter;
    private readonly ChildProcess _child;

    public DataplaneProcess(DataplaneOptions options, TestDirectory dir, params string[] extraArgs)
    {
        Options = options;
        FilePrefix = $"pda-t{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        options.Memory.FilePrefix = FilePrefix;
        ConfigPath = dir.File("dataplane.json");
        ReportPath = dir.File("report.json");
        File.WriteAllText(ConfigPath, options.ToJson());
        var prednat = Path.Combine(AppContext.BaseDirectory, "prednat.dll");
        var args = new List<string> { prednat, "dataplane", "--config", ConfigPath, "--report", ReportPath };
        args.AddRange(extraArgs);
        _child = new ChildProcess("dotnet", args, "prednat dataplane");
    }

    public DataplaneOptions Options { get; }
    public string FilePrefix { get; }
    public string ConfigPath { get; }
    public string ReportPath { get; }
    public ChildProcess Child => _child;
    public string RuntimeDir => Path.Combine("/var/run/dpdk", FilePrefix);

    /// <summary>Standard options for tests: lcores 0 (main) and 1 (worker), no hugepages, no PCI.</summary>
    public static DataplaneOptions TestOptions(params PortOptions[] ports) => new()
    {
        MainLcore = 0,
        WorkerLcores = { 1 },
        Ports = ports.ToList(),
        Memory = new MemoryOptions { NoHuge = true, MemoryMb = 512 },
        Mempool = new MempoolOptions { Size = 8191, CacheSize = 250 },
    };

    public void WaitUntilRunning(TimeSpan? timeout = null) =>
        _child.WaitForLine(l => l == "dataplane: running", timeout ?? TimeSpan.FromSeconds(60), what: "'dataplane: running'");

    /// <summary>The next "status ..." line as key/value pairs (needs --status-ms).</summary>
    public Dictionary<string, string> NextStatus(TimeSpan? timeout = null)
    {
        var from = _child.LineCount;
        var line = _child.WaitForLine(l => l.StartsWith("status ", StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(30), from, "status");
        return line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
            .Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv.Length > 1 ? kv[1] : "");
    }

    public static ulong Number(Dictionary<string, string> status, string key) => ulong.Parse(status[key], CultureInfo.InvariantCulture);

    /// <summary>Waits (bounded) until a status line satisfies <paramref name="condition"/>.</summary>
    public Dictionary<string, string> WaitForStatus(Func<Dictionary<string, string>, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var s = NextStatus();
            if (condition(s))
                return s;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"data path: {what} not reached within {timeout.TotalSeconds} s; last status {string.Join(" ", s.Select(kv => kv.Key + "=" + kv.Value))}\n{_child.Output}");
        }
    }

    public void RequestStop() => _child.Send("stop");

    /// <summary>Waits for the process to stop by itself (or after <see cref="RequestStop"/>) and reads its final report.</summary>
    public DataplaneReport WaitForReport(TimeSpan timeout)
    {
        if (!_child.WaitForExit(timeout))
        {
            _child.Kill();
            throw new TimeoutException($"prednat dataplane did not exit within {timeout.TotalSeconds} s; output:\n{_child.Output}");
        }
        Assert.True(_child.ExitCode == 0, $"prednat dataplane exited with {_child.ExitCode}; output:\n{_child.Output}");
        Assert.True(File.Exists(ReportPath), $"no report written; output:\n{_child.Output}");
        return DataplaneReport.FromJson(File.ReadAllText(ReportPath));
    }

    public void Dispose()
    {
        _child.Dispose();
        try
        {
            if (Directory.Exists(RuntimeDir))
                Directory.Delete(RuntimeDir, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>A scratch directory removed after the test.</summary>
public sealed class TestDirectory : IDisposable
{
    private static int s_counter;

    public TestDirectory(string name)
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"pda-{name}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }
}
