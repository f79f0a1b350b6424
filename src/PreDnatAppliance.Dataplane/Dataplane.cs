using System.Diagnostics;
using System.Runtime.InteropServices;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Ports;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Workers;

namespace PreDnatAppliance.Dataplane;

/// <summary>
/// The DPDK data path's lifecycle, in l3fwd's order:
/// <list type="number">
/// <item>validate the options, build and log EAL's argv, <c>rte_eal_init</c> (once per process);</item>
/// <item>one mbuf pool; every port configured and started (<see cref="PortInit"/>);</item>
/// <item>one <see cref="PollLoop"/> per worker lcore, launched with <c>rte_eal_remote_launch</c>;</item>
/// <item><see cref="Stop"/>: set the quit flag, let the loops drain, wait for the lcores, stop and close the
/// ports, check that every mbuf is back in the pool, free it, <c>rte_eal_cleanup</c>, report the final counters.</item>
/// </list>
/// Workers run on DPDK's own lcore threads (pinned by EAL, with <c>rte_lcore_id()</c> set, so the mempool's
/// per-lcore caches work); the runtime attaches each to .NET on its first call into managed code. The thread
/// that calls <see cref="Start"/> becomes the main lcore for DPDK; its CPU affinity, which <c>rte_eal_init</c>
/// narrows to the main lcore, is restored afterwards so the rest of the process is not squeezed onto one CPU.
/// </summary>
public sealed unsafe class Dataplane : IDisposable
{
    private static int s_ealInitialised;

    private readonly DataplaneOptions _options;
    private readonly TextWriter _log;
    private readonly List<PollLoop> _loops = new();
    private readonly List<PortInfo> _ports = new();
    private readonly StopSignal _stop = new();
    private readonly LcoreCounterSet _counters;
    private nint _pool;
    private bool _ealUp;
    private DataplaneReport? _final;

    private Dataplane(DataplaneOptions options, TextWriter log)
    {
        _options = options;
        _log = log;
        _counters = new LcoreCounterSet(options.WorkerLcores.Count);
    }

    public IReadOnlyList<string> EalArgv { get; private set; } = Array.Empty<string>();
    public IReadOnlyList<PortInfo> Ports => _ports;
    public LcoreCounterSet Counters => _counters;
    public int WorkerCount => _loops.Count;
    public nint Pool => _pool;
    public uint PoolSize => (uint)_options.Mempool.Size;
    public string? FilePrefix => _options.Memory.FilePrefix;
    public bool IsStopRequested => _stop.IsRequested;

    /// <summary>Initialises EAL, the pool and the ports, and starts one loop per worker lcore.</summary>
    /// <param name="pipeline">Builds each worker's stages; default: <see cref="ForwardStage"/> over <see cref="DataplaneOptions.Forwarding"/>.</param>
    public static Dataplane Start(DataplaneOptions options, PipelineFactory? pipeline = null, TextWriter? log = null,
        IReadOnlyDictionary<string, PortRole>? roles = null)
    {
        DataplaneOptionsValidator.ThrowIfInvalid(options);
        var dp = new Dataplane(options, log ?? TextWriter.Null);
        try
        {
            dp.InitEal();
            dp.CreatePool();
            dp.InitPorts(roles);
            dp.LaunchWorkers(pipeline ?? ForwardStage.Factory(options.Forwarding));
            return dp;
        }
        catch
        {
            dp.Teardown(reportOnly: false);
            throw;
        }
    }

    private void InitEal()
    {
        if (Interlocked.Exchange(ref s_ealInitialised, 1) != 0)
            throw new InvalidOperationException("DPDK's EAL can be initialised only once per process (rte_eal_init cannot run again, even after rte_eal_cleanup); start a new process for a new data path");

        // Bind every P/Invoke now, on this thread: the first call of a P/Invoke resolves its library and
        // symbol, which allocates, and the worker loops must not allocate at all.
        Prelink(typeof(Shim));
        Prelink(typeof(Dpdk));
        var abi = Shim.pda_shim_abi_version();
        if (abi != Shim.AbiVersion)
            throw new DataplaneException($"libpda_shim.so has ABI version {abi}, this assembly expects {Shim.AbiVersion}: rebuild");

        var argv = EalArguments.Build(_options);
        EalArgv = argv;
        _log.WriteLine($"dataplane: EAL argv: {EalArguments.Format(argv)}");

        // Strings and the argv array stay allocated for the life of the process: EAL may keep pointers into them.
        var native = (byte**)NativeMemory.AllocZeroed((nuint)(argv.Count + 1), (nuint)sizeof(nint));
        for (var i = 0; i < argv.Count; i++)
            native[i] = Dpdk.Utf8(argv[i]);

        var mask = stackalloc byte[Libc.CpuSetSize];
        var haveMask = Libc.sched_getaffinity(0, Libc.CpuSetSize, mask) == 0;
        var rc = Dpdk.rte_eal_init(argv.Count, native);
        var errno = rc < 0 ? Dpdk.Errno : 0;
        if (haveMask)
            Libc.sched_setaffinity(0, Libc.CpuSetSize, mask);
        if (rc < 0)
            throw new DataplaneException($"rte_eal_init failed: {Dpdk.StrError(errno)} ({errno}); argv: {EalArguments.Format(argv)}");
        _ealUp = true;

        var lcores = Dpdk.rte_lcore_count();
        if (lcores != 1 + _options.WorkerLcores.Count)
            throw new DataplaneException($"EAL enabled {lcores} lcores, expected {1 + _options.WorkerLcores.Count}");
    }

    private void CreatePool()
    {
        var mp = _options.Mempool;
        var name = Dpdk.Utf8(mp.Name);
        try
        {
            _pool = Dpdk.rte_pktmbuf_pool_create(name, (uint)mp.Size, (uint)mp.CacheSize, 0, (ushort)mp.DataRoomSize, Dpdk.rte_socket_id());
        }
        finally
        {
            Marshal.FreeCoTaskMem((nint)name);
        }
        if (_pool == 0)
        {
            var e = Dpdk.Errno;
            throw new DataplaneException($"rte_pktmbuf_pool_create('{mp.Name}', {mp.Size} mbufs, cache {mp.CacheSize}, data room {mp.DataRoomSize}): {Dpdk.StrError(e)} ({e}); with noHuge, raise memory.memoryMb");
        }
        _log.WriteLine($"dataplane: mempool {mp.Name}: {mp.Size} mbufs, cache {mp.CacheSize}, data room {mp.DataRoomSize}");
    }

    private void InitPorts(IReadOnlyDictionary<string, PortRole>? roles)
    {
        var txQueues = _options.WorkerLcores.Count;
        foreach (var p in _options.Ports)
        {
            var role = roles is not null && roles.TryGetValue(p.Name, out var r) ? r : p.Role;
            var info = PortInit.Init(p, p.TxQueues ?? txQueues, _pool, role);
            _ports.Add(info);
            _log.WriteLine($"dataplane: port {info.PortId} '{info.Name}' ({info.DeviceName}, {info.Driver}) mac {info.Mac} role {role}: " +
                $"{info.RxQueues} rxq x {info.RxDescriptors}, {info.TxQueues} txq x {info.TxDescriptors}, rss 0x{info.RssHashFunctions:x}, socket {info.SocketId}");
        }
    }

    private void LaunchWorkers(PipelineFactory pipeline)
    {
        var assignment = AssignQueues(_options);
        var portIds = _ports.Select(p => p.PortId).ToArray();
        for (var w = 0; w < _options.WorkerLcores.Count; w++)
        {
            var lcore = _options.WorkerLcores[w];
            var queues = assignment[lcore].Select(q => (_ports.First(p => p.Name == q.Port).PortId, (ushort)q.Queue)).ToList();
            var stages = pipeline(new PipelineContext(w, lcore, _ports));
            var loop = new PollLoop(w, lcore, queues, portIds, w, stages, _options.BurstSize, _options.TxRetries, _stop, _counters.Get(w));
            _loops.Add(loop);
            _log.WriteLine($"dataplane: worker {w} on lcore {lcore} (socket {Dpdk.rte_lcore_to_socket_id((uint)lcore)}): polls " +
                $"{(queues.Count == 0 ? "nothing" : string.Join(", ", assignment[lcore]))}; stages: {string.Join(" -> ", stages.Select(s => s.Name))}; tx queue {w} on every port");
        }
        foreach (var loop in _loops)
            loop.Launch();
    }

    /// <summary>
    /// Marshal.PrelinkAll only sees public methods; LibraryImport puts the real DllImport in a private
    /// compiler-generated local function, so prelink every static method.
    /// </summary>
    private static void Prelink(Type type)
    {
        foreach (var m in type.GetMethods(System.Reflection.BindingFlags.Static | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic))
            if ((m.Attributes & System.Reflection.MethodAttributes.PinvokeImpl) != 0)
                Marshal.Prelink(m);
    }

    /// <summary>Which lcore polls which RX queue: the configured <see cref="DataplaneOptions.Workers"/>, or round-robin.</summary>
    public static IReadOnlyDictionary<int, List<QueueRef>> AssignQueues(DataplaneOptions o)
    {
        var result = o.WorkerLcores.ToDictionary(l => l, _ => new List<QueueRef>());
        if (o.Workers.Count > 0)
        {
            foreach (var w in o.Workers)
                result[w.Lcore].AddRange(w.Queues);
            return result;
        }
        var next = 0;
        foreach (var p in o.Ports)
            for (var q = 0; q < p.RxQueues; q++)
                result[o.WorkerLcores[next++ % o.WorkerLcores.Count]].Add(new QueueRef { Port = p.Name, Queue = q });
        return result;
    }

    /// <summary>Asks every worker to stop (they drain and return); safe from a signal handler or any thread.</summary>
    public void RequestStop() => _stop.Request();

    /// <summary>True while every worker loop is still running.</summary>
    public bool AllWorkersRunning => _loops.All(l => !l.Exited.IsSet);

    public LinkStatus ReadLink(string port) => PortInit.ReadLink(_ports.First(p => p.Name == port).PortId);

    /// <summary>A live report (ports' stats, link, per-worker counters).</summary>
    public DataplaneReport Snapshot() => BuildReport(final: false);

    /// <summary>
    /// Stops the data path and releases DPDK: quit flag, drain, wait for the lcores, stop and close the ports,
    /// mempool check, <c>rte_eal_cleanup</c>. Returns the final report (also written to the log).
    /// </summary>
    public DataplaneReport Stop(TimeSpan? timeout = null)
    {
        if (_final is not null)
            return _final;
        _stop.Request();
        var deadline = Stopwatch.StartNew();
        var limit = timeout ?? TimeSpan.FromSeconds(10);
        foreach (var loop in _loops)
        {
            var left = limit - deadline.Elapsed;
            if (!loop.Exited.Wait(left > TimeSpan.Zero ? left : TimeSpan.Zero))
                throw new DataplaneException($"worker on lcore {loop.Lcore} did not stop within {limit.TotalSeconds:0.#} s");
            Dpdk.rte_eal_wait_lcore((uint)loop.Lcore);
        }
        return _final = Teardown(reportOnly: true)!;
    }

    private DataplaneReport? Teardown(bool reportOnly)
    {
        DataplaneReport? report = null;
        var portStats = new Dictionary<ushort, PortStats>();
        foreach (var p in _ports)
        {
            // Before the stop: some PMDs (memif) reset their counters when stopped.
            portStats[p.PortId] = PortInit.ReadStats(p.PortId);
            var rc = Dpdk.rte_eth_dev_stop(p.PortId);
            if (rc != 0)
                _log.WriteLine($"dataplane: rte_eth_dev_stop({p.PortId}): {Dpdk.StrError(rc)}");
        }
        if (reportOnly)
            report = BuildReport(final: true, portStats);
        foreach (var p in _ports)
        {
            var rc = Dpdk.rte_eth_dev_close(p.PortId);
            if (rc != 0)
                _log.WriteLine($"dataplane: rte_eth_dev_close({p.PortId}): {Dpdk.StrError(rc)}");
        }
        if (_pool != 0)
        {
            var avail = Dpdk.rte_mempool_avail_count(_pool);
            var inUse = Dpdk.rte_mempool_in_use_count(_pool);
            if (report is not null)
            {
                report.Mempool.AvailableAfterClose = avail;
                report.Mempool.InUseAfterClose = inUse;
            }
            _log.WriteLine($"dataplane: mempool after close: {avail} of {_options.Mempool.Size} available, {inUse} in use" + (inUse == 0 ? "" : " (LEAK)"));
            Dpdk.rte_mempool_free(_pool);
            _pool = 0;
        }
        if (_ealUp)
        {
            var rc = Dpdk.rte_eal_cleanup();
            _ealUp = false;
            if (rc != 0)
                _log.WriteLine($"dataplane: rte_eal_cleanup: {Dpdk.StrError(rc)}");
        }
        if (report is not null)
            report.WriteSummary(_log);
        return report;
    }

    private DataplaneReport BuildReport(bool final, IReadOnlyDictionary<ushort, PortStats>? stats = null)
    {
        var report = new DataplaneReport
        {
            Final = final,
            EalArgs = EalArgv.ToList(),
            Total = _counters.ReadTotal(),
            Workers = _loops.Select(l => new WorkerReport
            {
                Index = l.WorkerIndex,
                Lcore = l.Lcore,
                Queues = l.RxQueues.Select(q => $"{_ports.First(p => p.PortId == q.Port).Name}:{q.Queue}").ToList(),
                Counters = _counters.Read(l.WorkerIndex),
                Failure = l.Failure?.ToString(),
            }).ToList(),
            Ports = _ports.Select(p => new PortReport
            {
                Info = p,
                Stats = stats is not null && stats.TryGetValue(p.PortId, out var s) ? s : PortInit.ReadStats(p.PortId),
                Link = final ? default : PortInit.ReadLink(p.PortId),
            }).ToList(),
            Mempool = new MempoolReport
            {
                Size = (uint)_options.Mempool.Size,
                Available = _pool != 0 ? Dpdk.rte_mempool_avail_count(_pool) : 0,
                InUse = _pool != 0 ? Dpdk.rte_mempool_in_use_count(_pool) : 0,
            },
        };
        return report;
    }

    public void Dispose()
    {
        if (_final is null && (_ealUp || _loops.Count > 0))
        {
            try { Stop(); } catch (DataplaneException e) { _log.WriteLine($"dataplane: {e.Message}"); }
        }
        foreach (var loop in _loops)
            if (loop.Exited.IsSet)
                loop.Dispose();
        _counters.Dispose();
    }
}
