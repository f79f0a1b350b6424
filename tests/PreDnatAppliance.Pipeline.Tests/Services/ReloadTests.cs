using PreDnatAppliance.Pipeline.Services;
using static PreDnatAppliance.Pipeline.Tests.Services.ServiceFixtures;

namespace PreDnatAppliance.Pipeline.Tests.Services;

public sealed class ReloadTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("prednat-services-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static ServiceTable Table(int backends) => ServiceTableBuilder.Build(Catalog("svc", Remote(backends)), NodeA);

    [Fact]
    public void Swap_is_by_reference_and_the_old_table_retires_after_every_worker_is_quiescent()
    {
        var first = Table(3);
        var holder = new ServiceTableHolder(first, maxWorkers: 4);
        var w0 = holder.RegisterWorker();
        var w1 = holder.RegisterWorker();
        var retired = new List<ServiceSwap>();
        holder.Retired += retired.Add;

        var second = Table(4);
        var swap = holder.Reload(second);
        Assert.Same(second, holder.Current);
        Assert.Same(first, swap.Old);
        Assert.False(swap.IsRetired);
        Assert.False(holder.WaitForQuiescence(swap.Epoch, TimeSpan.FromMilliseconds(20)));

        holder.Quiescent(w0);
        Assert.Equal(0, holder.ProcessRetirements());
        Assert.False(holder.HasQuiesced(swap.Epoch));

        holder.Quiescent(w1);
        Assert.True(holder.HasQuiesced(swap.Epoch));
        Assert.Equal(1, holder.ProcessRetirements());
        Assert.True(swap.IsRetired);
        Assert.True(swap.Retirement.IsCompleted);
        Assert.Same(swap, Assert.Single(retired));
        Assert.Equal(0, holder.PendingRetirements);
    }

    [Fact]
    public void Offline_and_unregistered_workers_do_not_hold_up_retirement()
    {
        var holder = new ServiceTableHolder(Table(2), maxWorkers: 3);
        var w0 = holder.RegisterWorker();
        var w1 = holder.RegisterWorker();
        holder.Offline(w1);
        var swap = holder.Reload(Table(3));
        holder.Quiescent(w0);
        Assert.True(holder.WaitForQuiescence(swap.Epoch, TimeSpan.FromSeconds(1)));
        Assert.True(swap.IsRetired);

        holder.Online(w1);
        var next = holder.Reload(Table(4));
        Assert.False(holder.HasQuiesced(next.Epoch));
        holder.UnregisterWorker(w1);
        holder.Quiescent(w0);
        Assert.True(holder.Synchronize(TimeSpan.FromSeconds(1)) || holder.HasQuiesced(next.Epoch));
    }

    [Fact]
    public void Swaps_report_the_backends_they_removed()
    {
        var first = ServiceTableBuilder.Build(LoadFixture(), NodeA);
        var text = File.ReadAllText(DataPath("cluster.yaml"))
            .Replace("    - 10.244.2.53\n    conditions:\n      ready: true", "    - 10.244.2.53\n    conditions:\n      ready: false", StringComparison.Ordinal);
        var second = ServiceTableBuilder.Build(ServiceYamlLoader.Load(text, "edited.yaml"), NodeA, previous: first);
        var holder = new ServiceTableHolder(first);
        var swap = holder.Reload(second);
        Assert.Equal(
            new[] { "shop/dns:dns/UDP/IPv4: UDP 10.244.2.53:5353", "shop/dns:dns-tcp/TCP/IPv4: TCP 10.244.2.53:5353" },
            swap.RemovedBackends.Select(r => r.ToString()));
        Assert.True(swap.IsRetired); // no workers registered: retired at once
        Assert.Empty(holder.Reload(ServiceTableBuilder.Build(ServiceYamlLoader.Load(text, "edited.yaml"), NodeA)).RemovedBackends);
    }

    [Fact]
    public void Workers_keep_deciding_through_many_swaps_without_drops_or_stalls()
    {
        var tables = Enumerable.Range(2, 6).Select(Table).ToArray();
        var holder = new ServiceTableHolder(tables[0], maxWorkers: 2);
        var flows = RandomFlows(256, 30);
        var stop = 0;
        var failures = 0;
        long bursts = 0;
        var workers = Enumerable.Range(0, 2).Select(_ =>
        {
            var id = holder.RegisterWorker();
            return new Thread(() =>
            {
                var decisions = new ServiceDecision[flows.Length];
                while (Volatile.Read(ref stop) == 0)
                {
                    var table = holder.Current; // once per burst
                    table.Lookup(flows, decisions, 0, null);
                    foreach (var d in decisions)
                    {
                        if (d.Verdict != ServiceVerdict.Dnat)
                            Interlocked.Increment(ref failures);
                    }
                    holder.Quiescent(id);
                    Interlocked.Increment(ref bursts);
                }
                holder.Offline(id);
            }) { IsBackground = true };
        }).ToList();
        workers.ForEach(t => t.Start());

        var swaps = new List<ServiceSwap>();
        for (var i = 0; i < 60; i++)
        {
            swaps.Add(holder.Reload(tables[(i + 1) % tables.Length]));
            Assert.True(holder.WaitForQuiescence(swaps[^1].Epoch, TimeSpan.FromSeconds(10)), "a worker stalled");
        }
        Volatile.Write(ref stop, 1);
        workers.ForEach(t => t.Join());

        Assert.Equal(0, failures);
        Assert.True(bursts > 60);
        Assert.All(swaps, s => Assert.True(s.IsRetired));
    }

    [Fact]
    public void Watcher_loads_rejects_a_bad_file_keeping_the_last_good_table_and_recovers()
    {
        var path = Path.Combine(_dir, "services.yaml");
        File.Copy(DataPath("cluster.yaml"), path);
        var holder = new ServiceTableHolder(ServiceTable.Empty(NodeA));
        var log = new List<string>();
        using var watcher = new ServiceFileWatcher(path, holder, NodeA, log: log.Add, debounce: TimeSpan.Zero);

        Assert.Equal(ReloadOutcome.Reloaded, watcher.ReloadNow());
        var good = holder.Current;
        Assert.Equal(19, good.Frontends.Count);
        Assert.Contains(log, l => l.StartsWith($"services: loaded {path}: 9 services", StringComparison.Ordinal));
        Assert.Equal(ReloadOutcome.Unchanged, watcher.Poll());

        // A bad edit: the port is not a number.
        var text = File.ReadAllText(path);
        File.WriteAllText(path, text.Replace("      port: 8080\n", "      port: eighty\n", StringComparison.Ordinal));
        Assert.Equal(ReloadOutcome.Rejected, watcher.Poll());
        Assert.Same(good, holder.Current);
        Assert.Matches(@"services\.yaml:\d+:\d+: items\[3\]\.spec\.ports\[0\]\.port: expected an integer, got 'eighty'", watcher.LastError);
        Assert.Contains("keeping the last good table", watcher.LastError);
        Assert.Equal(1, watcher.RejectCount);

        // Valid YAML that cannot be built (node port outside the range) is rejected the same way.
        File.WriteAllText(path, text.Replace("nodePort: 30080", "nodePort: 80", StringComparison.Ordinal));
        Assert.Equal(ReloadOutcome.Rejected, watcher.Poll());
        Assert.Contains("nodePort 80 is outside the NodePort range 30000-32767", watcher.LastError);
        Assert.Same(good, holder.Current);

        // A deleted file too.
        File.Delete(path);
        Assert.Equal(ReloadOutcome.Rejected, watcher.Poll());
        Assert.Contains("cannot read", watcher.LastError);
        Assert.Same(good, holder.Current);

        // Fixed: reloaded, and the backends that went away are reported.
        File.WriteAllText(path, text.Replace("    - 10.244.2.12\n", "    - 10.244.2.99\n", StringComparison.Ordinal));
        ServiceSwap? swap = null;
        watcher.Reloaded += s => swap = s;
        Assert.Equal(ReloadOutcome.Reloaded, watcher.Poll());
        Assert.Null(watcher.LastError);
        Assert.NotSame(good, holder.Current);
        Assert.Equal("shop/web:http/TCP/IPv4: TCP 10.244.2.12:8080", Assert.Single(swap!.RemovedBackends).ToString());
    }

    [Fact]
    public void Watcher_waits_for_the_file_to_settle()
    {
        var path = Path.Combine(_dir, "services.yaml");
        File.Copy(DataPath("cluster.yaml"), path);
        var holder = new ServiceTableHolder(ServiceTable.Empty(NodeA));
        using var watcher = new ServiceFileWatcher(path, holder, NodeA, debounce: TimeSpan.FromMilliseconds(150));
        Assert.Equal(ReloadOutcome.Pending, watcher.Poll());
        Assert.Equal(ReloadOutcome.Pending, watcher.Poll());
        Thread.Sleep(200);
        Assert.Equal(ReloadOutcome.Reloaded, watcher.Poll());
        Assert.Equal(ReloadOutcome.Unchanged, watcher.Poll());
        // Rewriting the same content is noticed but changes nothing.
        File.WriteAllText(path, File.ReadAllText(path));
        File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddSeconds(5));
        Assert.Equal(ReloadOutcome.Pending, watcher.Poll());
        Thread.Sleep(200);
        Assert.Equal(ReloadOutcome.Unchanged, watcher.Poll());
        Assert.Equal(1, watcher.ReloadCount);
    }

    [Fact]
    public void Watcher_thread_follows_a_configmap_style_symlink_swap()
    {
        // Kubernetes ConfigMap volumes: services.yaml -> ..data/services.yaml, ..data -> ..<timestamp>.
        var v1 = Directory.CreateDirectory(Path.Combine(_dir, "..v1")).FullName;
        var v2 = Directory.CreateDirectory(Path.Combine(_dir, "..v2")).FullName;
        File.Copy(DataPath("cluster.yaml"), Path.Combine(v1, "services.yaml"));
        File.WriteAllText(Path.Combine(v2, "services.yaml"),
            File.ReadAllText(DataPath("cluster.yaml")).Replace("nodePort: 30080", "nodePort: 30081", StringComparison.Ordinal));
        var data = Path.Combine(_dir, "..data");
        Directory.CreateSymbolicLink(data, "..v1");
        var path = Path.Combine(_dir, "services.yaml");
        File.CreateSymbolicLink(path, Path.Combine("..data", "services.yaml"));

        var holder = new ServiceTableHolder(ServiceTable.Empty(NodeA));
        using var watcher = new ServiceFileWatcher(path, holder, NodeA, pollInterval: TimeSpan.FromMilliseconds(20), debounce: TimeSpan.FromMilliseconds(20));
        watcher.Start();
        WaitFor(() => watcher.ReloadCount == 1);
        Assert.Contains(holder.Current.Frontends, f => f.Port == 30080);

        // The atomic swap kubelet does: a new link renamed over ..data.
        var tmp = Path.Combine(_dir, "..data_tmp");
        Directory.CreateSymbolicLink(tmp, "..v2");
        Assert.Equal(0, Rename(tmp, data));
        WaitFor(() => watcher.ReloadCount == 2);
        Assert.Contains(holder.Current.Frontends, f => f.Port == 30081);
        Assert.DoesNotContain(holder.Current.Frontends, f => f.Port == 30080);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "rename", SetLastError = true)]
    private static extern int Rename(string from, string to);

    private static void WaitFor(Func<bool> condition)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "timed out");
            Thread.Sleep(10);
        }
    }
}
