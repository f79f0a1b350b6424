using System.Diagnostics;
using System.Security.Cryptography;

namespace PreDnatAppliance.Pipeline.Services;

public enum ReloadOutcome
{
    /// <summary>Nothing changed since the last load (same stamp, or same content).</summary>
    Unchanged,

    /// <summary>The file changed and is waiting to settle (debounce) before it is read.</summary>
    Pending,

    /// <summary>A new table was built and swapped in.</summary>
    Reloaded,

    /// <summary>The file could not be read, parsed or built: the last good table stays.</summary>
    Rejected,
}

/// <summary>
/// Watches the services file and keeps <see cref="ServiceTableHolder"/> current: polls its stamp (modification
/// time, length and real path with every symlink resolved, so Kubernetes ConfigMap volumes, which swap a
/// <c>..data</c> directory link, are seen too), waits until the stamp has been stable for the debounce time (a file being written is not
/// read half-way), then loads, validates and builds the new table off the data path and swaps it in. A file that
/// fails anywhere is rejected with a clear message (file:line:col) and the last good table stays in service; it
/// is not read again until its stamp changes (no log flood), and an identical rewrite (same SHA-256) is a no-op.
/// Polling rather than FileSystemWatcher: it works the same on bind mounts, ConfigMap volumes and network file
/// systems, and a missed inotify event cannot leave a stale table.
/// </summary>
public sealed class ServiceFileWatcher : IDisposable
{
    private readonly ServiceTableHolder _holder;
    private readonly NodeIdentity _node;
    private readonly ServiceTableOptions _options;
    private readonly Action<string> _log;
    private readonly object _gate = new();
    private readonly ManualResetEventSlim _stop = new(false);
    private Thread? _thread;
    private Stamp? _observed;
    private long _observedAt;
    private Stamp? _loadedStamp;
    private byte[]? _loadedHash;
    private bool _pending;

    public ServiceFileWatcher(string path, ServiceTableHolder holder, NodeIdentity node, ServiceTableOptions? options = null,
        Action<string>? log = null, TimeSpan? pollInterval = null, TimeSpan? debounce = null)
    {
        Path = path;
        _holder = holder;
        _node = node;
        _options = options ?? ServiceTableOptions.Default;
        _log = log ?? (_ => { });
        PollInterval = pollInterval ?? TimeSpan.FromSeconds(1);
        Debounce = debounce ?? TimeSpan.FromMilliseconds(500);
    }

    public string Path { get; }
    public TimeSpan PollInterval { get; }
    public TimeSpan Debounce { get; }

    /// <summary>The message of the last rejection; null once a load succeeds.</summary>
    public string? LastError { get; private set; }

    public int ReloadCount { get; private set; }
    public int RejectCount { get; private set; }

    /// <summary>After each successful swap (on the watcher's thread).</summary>
    public event Action<ServiceSwap>? Reloaded;

    /// <summary>After each rejected file, with the message (on the watcher's thread).</summary>
    public event Action<string>? Rejected;

    /// <summary>Starts polling on a background thread. Each poll also retires quiesced swaps.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_thread is not null)
                return;
            _thread = new Thread(Run) { IsBackground = true, Name = "services-reload" };
            _thread.Start();
        }
    }

    public void Dispose()
    {
        if (_stop.IsSet)
            return;
        _stop.Set();
        _thread?.Join();
    }

    private void Run()
    {
        while (!_stop.Wait(PollInterval))
        {
            try
            {
                Poll();
                _holder.ProcessRetirements();
            }
            catch (Exception e)
            {
                // Never let the reload thread die: a bug here must not freeze the table silently.
                _log($"services: reload thread error: {e}");
            }
        }
    }

    /// <summary>
    /// One poll: notices a changed stamp, and reloads once it has been stable for <see cref="Debounce"/>.
    /// </summary>
    public ReloadOutcome Poll()
    {
        lock (_gate)
        {
            var stamp = Stamp.Of(Path);
            var now = Stopwatch.GetTimestamp();
            if (!stamp.Equals(_observed))
            {
                _observed = stamp;
                _observedAt = now;
                _pending = !stamp.Equals(_loadedStamp);
                return _pending && Debounce <= TimeSpan.Zero ? ReloadLocked(stamp) : _pending ? ReloadOutcome.Pending : ReloadOutcome.Unchanged;
            }
            if (!_pending)
                return ReloadOutcome.Unchanged;
            if (Stopwatch.GetElapsedTime(_observedAt, now) < Debounce)
                return ReloadOutcome.Pending;
            return ReloadLocked(stamp);
        }
    }

    /// <summary>Loads the file now, without debounce (start-up, or an operator's explicit reload).</summary>
    public ReloadOutcome ReloadNow()
    {
        lock (_gate)
        {
            var stamp = Stamp.Of(Path);
            _observed = stamp;
            _observedAt = Stopwatch.GetTimestamp();
            return ReloadLocked(stamp);
        }
    }

    private ReloadOutcome ReloadLocked(Stamp stamp)
    {
        _pending = false;
        _loadedStamp = stamp;
        string text;
        byte[] hash;
        try
        {
            var bytes = File.ReadAllBytes(Path);
            hash = SHA256.HashData(bytes);
            if (_loadedHash is not null && hash.AsSpan().SequenceEqual(_loadedHash))
                return ReloadOutcome.Unchanged;
            text = System.Text.Encoding.UTF8.GetString(bytes);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Reject($"services: cannot read {Path}: {e.Message}; keeping the last good table");
        }

        ServiceTable table;
        try
        {
            var clock = Stopwatch.StartNew();
            var catalog = ServiceYamlLoader.Load(text, Path);
            table = ServiceTableBuilder.Build(catalog, _node, _options, _holder.Current);
            var swap = _holder.Reload(table);
            _loadedHash = hash;
            LastError = null;
            ReloadCount++;
            _log($"services: loaded {Path}: {catalog.Services.Count} services, {table.Ports.Count} service ports, "
                + $"{table.Frontends.Count} frontends, {swap.RemovedBackends.Count} backends removed ({clock.ElapsedMilliseconds} ms)");
            foreach (var warning in table.Warnings)
                _log($"services: warning: {warning}");
            Reloaded?.Invoke(swap);
            return ReloadOutcome.Reloaded;
        }
        catch (ServiceLoadException e)
        {
            return Reject($"services: {e.Message}{Environment.NewLine}  keeping the last good table");
        }
    }

    private ReloadOutcome Reject(string message)
    {
        LastError = message;
        RejectCount++;
        _log(message);
        Rejected?.Invoke(message);
        return ReloadOutcome.Rejected;
    }

    /// <summary>
    /// The path with every symlink resolved, directories included (like realpath(3)): a ConfigMap update swaps
    /// the <c>..data</c> directory link, which changes this even when the file's own link stays the same.
    /// </summary>
    internal static string RealPath(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        for (var hops = 0; hops < 40; hops++)
        {
            var parts = full.Split('/', StringSplitOptions.RemoveEmptyEntries);
            var prefix = "/";
            var changed = false;
            for (var i = 0; i < parts.Length && !changed; i++)
            {
                prefix = System.IO.Path.Combine(prefix, parts[i]);
                FileSystemInfo info = i < parts.Length - 1 ? new DirectoryInfo(prefix) : new FileInfo(prefix);
                if (info.LinkTarget is { } target)
                {
                    var resolved = System.IO.Path.GetFullPath(target, System.IO.Path.GetDirectoryName(prefix) ?? "/");
                    full = System.IO.Path.Combine(new[] { resolved }.Concat(parts.Skip(i + 1)).ToArray());
                    changed = true;
                }
            }
            if (!changed)
                return full;
        }
        return full; // a link loop: reading will fail with a clear message
    }

    /// <summary>What identifies a version of the file without reading it.</summary>
    private readonly record struct Stamp(bool Exists, DateTime Modified, long Length, string? Target)
    {
        public static Stamp Of(string path)
        {
            try
            {
                var real = RealPath(path);
                var info = new FileInfo(real);
                return info.Exists
                    ? new Stamp(true, info.LastWriteTimeUtc, info.Length, real)
                    : new Stamp(false, default, 0, null);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return new Stamp(false, default, 0, null);
            }
        }
    }
}
