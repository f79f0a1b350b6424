using System.Text.RegularExpressions;

namespace PreDnatAppliance.Dataplane.Configuration;

/// <summary>
/// Checks <see cref="DataplaneOptions"/> before anything touches DPDK, and reports every problem at once with
/// the path of the offending value (<c>ports[1].vdev</c>), so a bad configuration never gets as far as a
/// half-initialised EAL.
/// </summary>
public static partial class DataplaneOptionsValidator
{
    public const int MaxLcore = 128;   // RTE_MAX_LCORE
    public const int MaxPorts = 32;    // RTE_MAX_ETHPORTS
    public const int MaxQueues = 1024; // RTE_MAX_QUEUES_PER_PORT

    public static IReadOnlyList<string> Validate(DataplaneOptions o)
    {
        var errors = new List<string>();
        void Error(string message) => errors.Add(message);

        // lcores
        if (o.MainLcore is < 0 or >= MaxLcore)
            Error($"mainLcore: {o.MainLcore} is not an lcore id (0..{MaxLcore - 1})");
        if (o.WorkerLcores.Count == 0)
            Error("workerLcores: at least one worker lcore is needed (the main lcore only runs the control thread)");
        for (var i = 0; i < o.WorkerLcores.Count; i++)
        {
            var l = o.WorkerLcores[i];
            if (l is < 0 or >= MaxLcore)
                Error($"workerLcores[{i}]: {l} is not an lcore id (0..{MaxLcore - 1})");
            else if (l == o.MainLcore)
                Error($"workerLcores[{i}]: {l} is the main lcore");
            else if (o.WorkerLcores.IndexOf(l) != i)
                Error($"workerLcores[{i}]: {l} is listed twice");
        }

        // ports
        if (o.Ports.Count == 0)
            Error("ports: at least one port is needed");
        if (o.Ports.Count > MaxPorts)
            Error($"ports: {o.Ports.Count} ports, DPDK supports at most {MaxPorts}");
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var devices = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < o.Ports.Count; i++)
        {
            var p = o.Ports[i];
            var at = $"ports[{i}]";
            if (string.IsNullOrEmpty(p.Name))
                Error($"{at}.name: a port needs a name (the interface name policies refer to, e.g. eth0)");
            else if (!InterfaceName().IsMatch(p.Name))
                Error($"{at}.name: '{p.Name}' is not a valid interface name (1-15 characters of letters, digits, '.', '_', '-')");
            else if (names.TryGetValue(p.Name, out var other))
                Error($"{at}.name: '{p.Name}' is also the name of ports[{other}]");
            else
                names[p.Name] = i;

            if (p.Pci is null == p.Vdev is null)
                Error($"{at}: set exactly one of pci (a NIC) or vdev (a virtual device)");
            else if (p.Pci is { } pci && !PciAddress().IsMatch(pci))
                Error($"{at}.pci: '{pci}' is not a PCI address (DDDD:BB:DD.F or BB:DD.F)");
            else if (p.Vdev is { } vdev && !VdevName().IsMatch(p.DeviceName))
                Error($"{at}.vdev: '{vdev}' does not start with a device name such as net_pcap0 or net_memif0");
            if (p.Pci is not null || p.Vdev is not null)
            {
                var dev = p.DeviceName;
                if (dev.Length > 0 && devices.TryGetValue(dev, out var same))
                    Error($"{at}: device '{dev}' is also used by ports[{same}]");
                else if (dev.Length > 0)
                    devices[dev] = i;
            }

            if (p.RxQueues is < 1 or > MaxQueues)
                Error($"{at}.rxQueues: {p.RxQueues} is out of range (1..{MaxQueues})");
            if (p.TxQueues is { } tx && (tx < o.WorkerLcores.Count || tx > MaxQueues))
                Error($"{at}.txQueues: {tx} is out of range ({o.WorkerLcores.Count}..{MaxQueues}): every worker lcore needs its own TX queue on every port");
            if (p.RxDescriptors is < 32 or > 32768)
                Error($"{at}.rxDescriptors: {p.RxDescriptors} is out of range (32..32768)");
            if (p.TxDescriptors is < 32 or > 32768)
                Error($"{at}.txDescriptors: {p.TxDescriptors} is out of range (32..32768)");
            if (p.Mtu is < 0 or > 65535)
                Error($"{at}.mtu: {p.Mtu} is out of range (0 keeps the device default, else up to 65535)");
        }

        // workers
        if (o.Workers.Count > 0)
        {
            var polled = new Dictionary<(string, int), string>();
            for (var i = 0; i < o.Workers.Count; i++)
            {
                var w = o.Workers[i];
                var at = $"workers[{i}]";
                if (!o.WorkerLcores.Contains(w.Lcore))
                    Error($"{at}.lcore: {w.Lcore} is not one of workerLcores ({string.Join(",", o.WorkerLcores)})");
                else if (o.Workers.FindIndex(x => x.Lcore == w.Lcore) != i)
                    Error($"{at}.lcore: lcore {w.Lcore} has two entries");
                for (var j = 0; j < w.Queues.Count; j++)
                {
                    var q = w.Queues[j];
                    var qat = $"{at}.queues[{j}]";
                    var port = o.Ports.Find(p => p.Name == q.Port);
                    if (port is null)
                        Error($"{qat}.port: no port is named '{q.Port}'");
                    else if (q.Queue < 0 || q.Queue >= port.RxQueues)
                        Error($"{qat}.queue: port '{q.Port}' has RX queues 0..{port.RxQueues - 1}, not {q.Queue}");
                    else if (polled.TryGetValue((q.Port, q.Queue), out var by))
                        Error($"{qat}: {q} is already polled by {by}; an RX queue has exactly one poller");
                    else
                        polled[(q.Port, q.Queue)] = $"lcore {w.Lcore}";
                }
            }
            foreach (var p in o.Ports)
                for (var q = 0; q < p.RxQueues; q++)
                    if (InterfaceName().IsMatch(p.Name) && !polled.ContainsKey((p.Name, q)))
                        Error($"workers: RX queue {p.Name}:{q} is polled by no worker");
        }

        // forwarding
        var from = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < o.Forwarding.Count; i++)
        {
            var f = o.Forwarding[i];
            if (!names.ContainsKey(f.From))
                Error($"forwarding[{i}].from: no port is named '{f.From}'");
            else if (!from.Add(f.From))
                Error($"forwarding[{i}].from: port '{f.From}' already has a forwarding rule");
            if (!names.ContainsKey(f.To))
                Error($"forwarding[{i}].to: no port is named '{f.To}'");
        }

        // memory
        var m = o.Memory;
        if (m.NoHuge && m.MemoryMb is null)
            Error("memory.memoryMb: required with noHuge (DPDK reserves exactly this much anonymous memory), e.g. 512");
        if (m.MemoryMb is { } mb && mb is < 16 or > 1024 * 1024)
            Error($"memory.memoryMb: {mb} is out of range (16..1048576)");
        if (m.FilePrefix is { } prefix && !FilePrefix().IsMatch(prefix))
            Error($"memory.filePrefix: '{prefix}' must be 1-64 characters of letters, digits, '.', '_', '-'");
        if (m.NoHuge && m.InMemory)
            Error("memory.inMemory: cannot be combined with noHuge in DPDK 22.11 (--no-huge implies --legacy-mem, which --in-memory refuses); use a unique filePrefix instead");
        if (m.NoHuge && m.HugeDir is not null)
            Error("memory.hugeDir: makes no sense with noHuge");
        if (m.NoPci == true && o.Ports.Any(p => p.Pci is not null))
            Error("memory.noPci: a port has a PCI address; noPci would hide it");

        // mempool
        var mp = o.Mempool;
        if (string.IsNullOrEmpty(mp.Name) || mp.Name.Length > 25)
            Error("mempool.name: 1-25 characters (RTE_MEMPOOL_NAMESIZE less the ring prefix)");
        if (mp.Size is < 64 or > 64 * 1024 * 1024)
            Error($"mempool.size: {mp.Size} is out of range (64..67108864)");
        if (mp.CacheSize < 0 || mp.CacheSize > 512)
            Error($"mempool.cacheSize: {mp.CacheSize} is out of range (0..512, RTE_MEMPOOL_CACHE_MAX_SIZE)");
        else if (mp.CacheSize * 3 > mp.Size * 2)
            Error($"mempool.cacheSize: {mp.CacheSize} is more than size / 1.5 ({mp.Size * 2 / 3}); DPDK refuses such a pool");
        if (mp.DataRoomSize is < 256 or > 65535)
            Error($"mempool.dataRoomSize: {mp.DataRoomSize} is out of range (256..65535, including the 128-byte headroom)");
        var needed = MinimumMempoolSize(o);
        if (needed > mp.Size && errors.Count == 0)
            Error($"mempool.size: {mp.Size} mbufs cannot fill the rings: RX/TX descriptors, bursts and lcore caches need at least {needed}");

        // loop
        if (o.BurstSize is < 1 or > Stages.Burst.MaxCapacity)
            Error($"burstSize: {o.BurstSize} is out of range (1..{Stages.Burst.MaxCapacity})");
        if (o.TxRetries is < 0 or > 1000)
            Error($"txRetries: {o.TxRetries} is out of range (0..1000)");

        foreach (var arg in o.ExtraEalArgs)
            if (arg is "-l" or "--lcores" or "-c" or "--main-lcore")
                Error($"extraEalArgs: '{arg}' conflicts with mainLcore/workerLcores; set those instead");
        return errors;
    }

    /// <summary>Throws <see cref="DataplaneConfigurationException"/> listing every problem.</summary>
    public static void ThrowIfInvalid(DataplaneOptions options)
    {
        var errors = Validate(options);
        if (errors.Count > 0)
            throw new DataplaneConfigurationException(errors);
    }

    /// <summary>Mbufs the rings, bursts and caches can hold at once: below this the pool runs dry under load.</summary>
    public static long MinimumMempoolSize(DataplaneOptions o)
    {
        long n = 0;
        foreach (var p in o.Ports)
            n += (long)p.RxQueues * p.RxDescriptors + (long)(p.TxQueues ?? o.WorkerLcores.Count) * p.TxDescriptors;
        n += (long)(o.WorkerLcores.Count + 1) * (o.BurstSize + o.Mempool.CacheSize);
        return n;
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,15}$")]
    private static partial Regex InterfaceName();

    [GeneratedRegex("^([0-9a-fA-F]{4}:)?[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]$")]
    private static partial Regex PciAddress();

    [GeneratedRegex("^[a-z][a-z0-9_]*[0-9]+$")]
    private static partial Regex VdevName();

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex FilePrefix();
}
