using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;

namespace PreDnatAppliance.Host.Tests.Infrastructure;

/// <summary>
/// <c>prednat run</c> in a child process with its own DPDK file prefix and a free management port (port 0, read back
/// from the log), plus an HTTP client for the endpoint and SIGTERM.
/// </summary>
public sealed partial class RunProcess : IDisposable
{
    private static int s_counter;

    public RunProcess(IEnumerable<string> args, bool withFilePrefix = true)
    {
        FilePrefix = $"pda-host-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
        var all = new List<string> { Path.Combine(AppContext.BaseDirectory, "prednat.dll"), "run" };
        all.AddRange(args);
        if (withFilePrefix)
            all.Add($"--dataplane:memory:filePrefix={FilePrefix}");
        Child = new ChildProcess("dotnet", all, "prednat run");
    }

    public ChildProcess Child { get; }
    public string FilePrefix { get; }
    public Uri? Management { get; private set; }
    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(20) };

    /// <summary>Waits for the endpoint's "listening on" line and the data path's "appliance running" line.</summary>
    public void WaitUntilRunning(TimeSpan? timeout = null)
    {
        var line = Child.WaitForLine(l => l.Contains("management endpoint listening on ", StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(60), what: "the management address");
        Management = new Uri(Listening().Match(line).Groups["url"].Value);
        Child.WaitForLine(l => l.Contains("appliance running:", StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(60), what: "'appliance running'");
    }

    public HttpResponseMessage Get(string path) => Http.GetAsync(new Uri(Management!, path)).GetAwaiter().GetResult();

    /// <summary>
    /// POST with <c>Expect: 100-continue</c>, as clients of large uploads send it: a refused body (413) is answered before
    /// it is sent; without it the server's early answer and closed connection race the upload.
    /// </summary>
    public HttpResponseMessage Post(string path, HttpContent content)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Management!, path)) { Content = content };
        request.Headers.ExpectContinue = true;
        return Http.SendAsync(request).GetAwaiter().GetResult();
    }

    public string GetText(string path)
    {
        using var response = Get(path);
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode}\n{text}");
        return text;
    }

    /// <summary>Scrapes until <paramref name="condition"/> holds (bounded); returns the last scrape.</summary>
    public Metrics ScrapeUntil(Func<Metrics, bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var metrics = Metrics.Parse(GetText("/metrics"));
            if (condition(metrics))
                return metrics;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"/metrics: {what} not reached within {timeout.TotalSeconds} s\n{metrics.Text}\n{Child.Output}");
            Thread.Sleep(200);
        }
    }

    /// <summary>SIGTERM, as Kubernetes and systemd stop a service.</summary>
    public void Terminate() => Assert.Equal(0, kill(Child.Pid, 15));

    /// <summary>SIGINT, as Ctrl-C in a terminal.</summary>
    public void Interrupt() => Assert.Equal(0, kill(Child.Pid, 2));

    public void Dispose()
    {
        Child.Dispose();
        Http.Dispose();
        try { Directory.Delete(Path.Combine("/var/run/dpdk", FilePrefix), recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    [GeneratedRegex("listening on (?<url>http://[^ ]+)")]
    private static partial Regex Listening();
}

/// <summary>A parsed Prometheus text scrape: sample values by name and labels.</summary>
public sealed partial class Metrics
{
    private readonly List<(string Name, Dictionary<string, string> Labels, double Value)> _samples = new();

    public string Text { get; private init; } = "";

    public static Metrics Parse(string text)
    {
        var metrics = new Metrics { Text = text };
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#'))
                continue;
            var m = Sample().Match(line);
            Assert.True(m.Success, $"not a Prometheus sample line: {line}");
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match l in Label().Matches(m.Groups["labels"].Value))
                labels[l.Groups["name"].Value] = l.Groups["value"].Value.Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
            metrics._samples.Add((m.Groups["name"].Value, labels, double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture)));
        }
        return metrics;
    }

    /// <summary>The sum of every sample of <paramref name="name"/> whose labels include <paramref name="labels"/>.</summary>
    public double Sum(string name, params (string Name, string Value)[] labels) =>
        _samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Sum(s => s.Value);

    public IEnumerable<(Dictionary<string, string> Labels, double Value)> All(string name) =>
        _samples.Where(s => s.Name == name).Select(s => (s.Labels, s.Value));

    [GeneratedRegex("^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(?<labels>.*)\\})? (?<value>\\S+)$")]
    private static partial Regex Sample();

    [GeneratedRegex("(?<name>[a-zA-Z_][a-zA-Z0-9_]*)=\"(?<value>(\\\\.|[^\"\\\\])*)\"")]
    private static partial Regex Label();
}
