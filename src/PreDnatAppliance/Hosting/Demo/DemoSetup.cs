using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Services;

namespace PreDnatAppliance.Hosting.Demo;

/// <summary>
/// The embedded default of <c>prednat run</c>: the embedded configuration with its ports on DPDK virtual devices fed by
/// the demo traffic. Each traffic port is a net_pcap device replaying its pcap forever (<c>infinite_rx=1</c>), so the
/// counters move every second; what the appliance sends out of it is counted and dropped by the PMD (no tx_pcap, which
/// would grow without bound). The kernel port is <c>net_null</c> with <c>no-rx=1</c>: net_tap would need root and a
/// host-wide unique interface name, which parallel runs and tests cannot share; punted packets are counted as the
/// kernel port's TX. The pcaps live in a per-process directory under the temp directory, removed at exit.
/// </summary>
public sealed class DemoSetup : IDisposable
{
    /// <summary>Mbufs for four ports' default rings (4 × 2048 descriptors), the bursts and caches, and the pcap replay.</summary>
    public const int MempoolSize = 16383;

    private DemoSetup(string directory, ApplianceConfiguration configuration, IReadOnlyDictionary<string, int> packets)
    {
        Directory = directory;
        Configuration = configuration;
        PacketsPerPort = packets;
    }

    /// <summary>The demo's own DPDK file prefix (one per process); its runtime directory is removed at exit.</summary>
    public static string FilePrefix => $"pda-run-{Environment.ProcessId}";

    public string Directory { get; }
    public ApplianceConfiguration Configuration { get; }
    public IReadOnlyDictionary<string, int> PacketsPerPort { get; }

    public static DemoSetup Create()
    {
        var configuration = ApplianceConfiguration.Default();
        var services = ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), ApplianceConfiguration.DefaultServicesResourceName);
        var traffic = DemoTraffic.Build(configuration, services);
        var directory = Path.Combine(Path.GetTempPath(), $"prednat-run-{Environment.ProcessId}");
        System.IO.Directory.CreateDirectory(directory);

        var packets = new Dictionary<string, int>(StringComparer.Ordinal);
        var device = 0;
        foreach (var port in configuration.Dataplane.Ports)
        {
            if (traffic.TryGetValue(port.Name, out var frames) && frames.Count > 0)
            {
                var pcap = Path.Combine(directory, port.Name + ".pcap");
                using (var writer = PcapWriter.Create(pcap))
                {
                    for (var i = 0; i < frames.Count; i++)
                        writer.WritePacket(frames[i], 1_700_000_000, (uint)i * 1000);
                }
                port.Vdev = $"net_pcap{device++},rx_pcap={pcap},infinite_rx=1";
                packets[port.Name] = frames.Count;
            }
            else
            {
                port.Vdev = $"net_null{device++},no-rx=1";
            }
        }
        configuration.Dataplane.Mempool.Size = MempoolSize;
        configuration.Dataplane.Memory.FilePrefix = FilePrefix;
        return new DemoSetup(directory, configuration, packets);
    }

    /// <summary>Removes the pcaps and, after EAL cleanup, DPDK's runtime files of the demo's prefix.</summary>
    public void Dispose()
    {
        Delete(Directory);
        Delete(Path.Combine("/var/run/dpdk", FilePrefix));
    }

    private static void Delete(string directory)
    {
        try
        {
            if (System.IO.Directory.Exists(directory))
                System.IO.Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
