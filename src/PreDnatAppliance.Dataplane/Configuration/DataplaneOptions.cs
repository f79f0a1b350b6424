using System.Text.Json;
using System.Text.Json.Serialization;

namespace PreDnatAppliance.Dataplane.Configuration;

/// <summary>
/// Everything the data path needs to start: lcores, ports, memory, mempool, worker assignment and the
/// forwarding map. Bound from JSON (<see cref="Load"/>, camelCase keys, comments allowed) or built in code;
/// <see cref="DataplaneOptionsValidator"/> checks it and <see cref="EalArguments.Build"/> turns it into EAL's argv.
/// </summary>
public sealed class DataplaneOptions
{
    /// <summary>The lcore that runs rte_eal_init and the control thread; it polls nothing (testpmd's main lcore).</summary>
    public int MainLcore { get; set; }

    /// <summary>Lcores that each run one poll loop (at least one), e.g. [1].</summary>
    public List<int> WorkerLcores { get; set; } = new();

    public List<PortOptions> Ports { get; set; } = new();

    /// <summary>Which worker polls which (port, RX queue). Empty: every RX queue of every port, round-robin over <see cref="WorkerLcores"/>.</summary>
    public List<WorkerOptions> Workers { get; set; } = new();

    public MemoryOptions Memory { get; set; } = new();

    public MempoolOptions Mempool { get; set; } = new();

    /// <summary>RX burst size (DPDK's usual 32); at most <see cref="Stages.Burst.MaxCapacity"/>.</summary>
    public int BurstSize { get; set; } = DataplaneDefaults.BurstSize;

    /// <summary>How many more TX bursts to try when a TX ring takes only part of a burst; the rest is dropped (reason tx-full).</summary>
    public int TxRetries { get; set; } = DataplaneDefaults.TxRetries;

    /// <summary>The forwarding stage's map, port name to port name (testpmd's io mode). A port missing here drops with reason no-egress.</summary>
    public List<ForwardRule> Forwarding { get; set; } = new();

    /// <summary>DPDK's <c>--log-level</c> values, e.g. <c>"6"</c> or <c>"pmd.net.memif:debug"</c>.</summary>
    public List<string> LogLevels { get; set; } = new();

    /// <summary>Keep DPDK's telemetry socket (<c>dpdk-telemetry.py</c>); on by default.</summary>
    public bool Telemetry { get; set; } = true;

    /// <summary>Appended verbatim after the generated EAL arguments (an escape hatch; logged like the rest).</summary>
    public List<string> ExtraEalArgs { get; set; } = new();

    public static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        WriteIndented = true,
        IncludeFields = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>Reads options from a JSON file; unknown keys are errors (a typo must not silently change behaviour).</summary>
    public static DataplaneOptions Load(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<DataplaneOptions>(File.ReadAllText(path), JsonOptions)
                ?? throw new DataplaneConfigurationException(new[] { $"{path}: empty configuration" });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"{path}:{line + 1}:{(e.BytePositionInLine ?? 0) + 1}" : path;
            throw new DataplaneConfigurationException(new[] { $"{where}: {e.Message}" });
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

public static class DataplaneDefaults
{
    public const int BurstSize = 32;
    public const int RingSize = 1024;
    public const int MbufCacheSize = 250;
    public const int MempoolSize = 8191;
    public const int TxRetries = 4;
}

public enum PortRole
{
    /// <summary>Decided by matching the port name against HostEndpoint / WorkloadEndpoint interface names.</summary>
    Auto,
    /// <summary>Faces a Calico HostEndpoint (pre-DNAT, untracked and host policy apply).</summary>
    HostEndpoint,
    /// <summary>Faces workloads (WorkloadEndpoint policy applies).</summary>
    WorkloadEndpoint,
    /// <summary>Neither: forwarded without endpoint policy (e.g. a test sink).</summary>
    None,
    /// <summary>The kernel's TAP interface (exception path): the packet pipeline punts host-bound packets to it.</summary>
    Kernel,
}

public sealed class PortOptions
{
    /// <summary>The interface name the policy refers to (HostEndpoint <c>interfaceName</c>, e.g. <c>eth0</c>).</summary>
    public string Name { get; set; } = "";

    /// <summary>PCI address of a NIC port (<c>0000:01:00.0</c> or <c>01:00.0</c>); passed as <c>-a</c>.</summary>
    public string? Pci { get; set; }

    /// <summary>A virtual device, passed as <c>--vdev</c> (e.g. <c>net_pcap0,rx_pcap=in.pcap</c>, <c>net_memif0,role=server,socket=/run/pda/m0.sock</c>).</summary>
    public string? Vdev { get; set; }

    public int RxQueues { get; set; } = 1;

    /// <summary>TX queues; default one per worker lcore (each worker owns one TX queue on every port).</summary>
    public int? TxQueues { get; set; }

    public int RxDescriptors { get; set; } = DataplaneDefaults.RingSize;
    public int TxDescriptors { get; set; } = DataplaneDefaults.RingSize;

    public PortRole Role { get; set; } = PortRole.Auto;

    public bool Promiscuous { get; set; } = true;

    /// <summary>RSS over the RX queues when there are several (IP/TCP/UDP, as far as the device hashes).</summary>
    public bool Rss { get; set; } = true;

    /// <summary>0 keeps the device's MTU.</summary>
    public int Mtu { get; set; }

    /// <summary>
    /// The port's MAC address (<c>02:00:00:00:00:10</c>): the packet pipeline's source MAC for what it sends out of
    /// the port, and its answer to ARP requests for node addresses. Unused by the forwarding stage.
    /// </summary>
    public string? Mac { get; set; }

    /// <summary>
    /// The port's interface addresses with prefix length (<c>192.0.2.10/24</c>): connected routes and ARP source
    /// addresses for the packet pipeline. Unused by the forwarding stage.
    /// </summary>
    public List<string> Addresses { get; set; } = new();

    /// <summary>The name DPDK gives the port: the vdev's device name or the canonical PCI address.</summary>
    [JsonIgnore]
    public string DeviceName => Vdev is { } v ? v.Split(',', 2)[0].Trim() : EalArguments.CanonicalPci(Pci ?? "");
}

public sealed class WorkerOptions
{
    public int Lcore { get; set; }
    public List<QueueRef> Queues { get; set; } = new();
}

public sealed class QueueRef
{
    public string Port { get; set; } = "";
    public int Queue { get; set; }

    public override string ToString() => $"{Port}:{Queue}";
}

public sealed class ForwardRule
{
    public string From { get; set; } = "";
    public string To { get; set; } = "";
}

public sealed class MemoryOptions
{
    /// <summary><c>--no-huge</c>: anonymous memory instead of hugepages (tests, CI). Secondary processes cannot attach then.</summary>
    public bool NoHuge { get; set; }

    /// <summary><c>-m</c> in MiB; required with <see cref="NoHuge"/> (DPDK then reserves exactly this much).</summary>
    public int? MemoryMb { get; set; }

    /// <summary><c>--in-memory</c>: no shared runtime files (containers). Secondary processes cannot attach then.</summary>
    public bool InMemory { get; set; }

    /// <summary><c>--file-prefix</c>: needed when several DPDK processes share a host; names /var/run/dpdk/&lt;prefix&gt;.</summary>
    public string? FilePrefix { get; set; }

    /// <summary><c>--huge-dir</c>: a hugetlbfs mount other than the default.</summary>
    public string? HugeDir { get; set; }

    /// <summary><c>--no-pci</c>; default: on when no port has a PCI address.</summary>
    public bool? NoPci { get; set; }
}

public sealed class MempoolOptions
{
    public string Name { get; set; } = "pda_mbuf_pool";

    /// <summary>Number of mbufs; best a power of two minus one.</summary>
    public int Size { get; set; } = DataplaneDefaults.MempoolSize;

    /// <summary>Per-lcore cache; at most 512 and at most Size / 1.5.</summary>
    public int CacheSize { get; set; } = DataplaneDefaults.MbufCacheSize;

    /// <summary>Data room per mbuf including the 128-byte headroom (RTE_MBUF_DEFAULT_BUF_SIZE).</summary>
    public int DataRoomSize { get; set; } = 2048 + 128;
}

public sealed class DataplaneConfigurationException : Exception
{
    public DataplaneConfigurationException(IReadOnlyList<string> errors)
        : base("invalid data plane configuration:" + string.Concat(errors.Select(e => "\n  " + e)))
        => Errors = errors;

    public IReadOnlyList<string> Errors { get; }
}
