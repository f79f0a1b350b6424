using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace PreDnatAppliance.Dataplane.Tests.Infrastructure;

/// <summary>
/// A child process with its output collected line by line, stdin for commands, bounded waits, and a kill of
/// the whole tree on dispose. Every wait has a timeout: a stuck DPDK process fails the test, never hangs it.
/// </summary>
public sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _lines = new();
    private readonly object _gate = new();
    private readonly StringBuilder _all = new();

    public ChildProcess(string fileName, IEnumerable<string> args, string name)
    {
        Name = name;
        var psi = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        CommandLine = fileName + " " + string.Join(" ", args);
        _process = new Process { StartInfo = psi };
        _process.OutputDataReceived += (_, e) => Add(e.Data);
        _process.ErrorDataReceived += (_, e) => Add(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Name { get; }
    public string CommandLine { get; }
    public int Pid => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get { lock (_gate) return _all.ToString(); }
    }

    public IReadOnlyList<string> Lines
    {
        get { lock (_gate) return _lines.ToList(); }
    }

    private void Add(string? line)
    {
        if (line is null) return;
        lock (_gate)
        {
            _lines.Add(line);
            _all.AppendLine(line);
            Monitor.PulseAll(_gate);
        }
    }

    public void Send(string line)
    {
        try
        {
            _process.StandardInput.WriteLine(line);
            _process.StandardInput.Flush();
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Waits for an output line (from index <paramref name="from"/> on) that matches; returns it or throws with the output so far.</summary>
    public string WaitForLine(Func<string, bool> match, TimeSpan timeout, int from = 0, string? what = null)
    {
        var deadline = Stopwatch.StartNew();
        lock (_gate)
        {
            var i = from;
            while (true)
            {
                for (; i < _lines.Count; i++)
                    if (match(_lines[i]))
                        return _lines[i];
                var left = timeout - deadline.Elapsed;
                if (left <= TimeSpan.Zero)
                    throw new TimeoutException($"{Name}: no line {what ?? "matching"} within {timeout.TotalSeconds:0.#} s; output:\n{_all}");
                if (_process.HasExited && i >= _lines.Count)
                {
                    Monitor.Wait(_gate, 200); // late output after exit
                    if (i >= _lines.Count)
                        throw new InvalidOperationException($"{Name} exited ({_process.ExitCode}) before printing {what ?? "the line"}; output:\n{_all}");
                }
                Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
            }
        }
    }

    public int LineCount
    {
        get { lock (_gate) return _lines.Count; }
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
            return false;
        _process.WaitForExit(); // flush the async readers
        return true;
    }

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
        }
    }

    public void Dispose()
    {
        Kill();
        _process.Dispose();
    }
}
