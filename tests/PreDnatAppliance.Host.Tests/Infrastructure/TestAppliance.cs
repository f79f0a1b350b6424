using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using PreDnatAppliance.Hosting.Demo;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Routing;

namespace PreDnatAppliance.Host.Tests.Infrastructure;

/// <summary>
/// The embedded configuration with its traffic ports on net_pcap devices that read a pcap once (no replay loop: the
/// counts are exact) and the others on net_null without RX; written to a test directory.
/// </summary>
public static class TestAppliance
{
    public static ApplianceConfiguration Configuration(IReadOnlyDictionary<string, string> pcapPerPort)
    {
        var configuration = ApplianceConfiguration.Default();
        var device = 0;
        foreach (var port in configuration.Dataplane.Ports)
            port.Vdev = pcapPerPort.TryGetValue(port.Name, out var pcap) ? $"net_pcap{device++},rx_pcap={pcap}" : $"net_null{device++},no-rx=1";
        configuration.Dataplane.Mempool.Size = DemoSetup.MempoolSize;
        return configuration;
    }

    /// <summary>Writes one pcap per port and the configuration; returns the configuration's path.</summary>
    public static string Write(TestDirectory dir, IReadOnlyDictionary<string, List<byte[]>> frames)
    {
        var pcaps = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (port, list) in frames)
        {
            var path = dir.File(port + ".pcap");
            using var writer = PcapWriter.Create(path);
            for (var i = 0; i < list.Count; i++)
                writer.WritePacket(list[i], 1_700_000_000, (uint)i * 1000);
            pcaps[port] = path;
        }
        var configPath = dir.File("appliance.json");
        File.WriteAllText(configPath, Configuration(pcaps).ToJson());
        return configPath;
    }

    public static ulong PortMac(ApplianceConfiguration c, string port) =>
        MacAddress.TryParse(c.Dataplane.Ports.First(p => p.Name == port).Mac, out var mac) ? mac : throw new InvalidOperationException(port);

    public static ulong NeighbourMac(ApplianceConfiguration c, string ip) =>
        MacAddress.TryParse(c.Neighbours.First(n => n.Ip == ip).Mac, out var mac) ? mac : throw new InvalidOperationException(ip);

    /// <summary>A well-formed configuration for the validation tests: the embedded one on net_null devices.</summary>
    public static ApplianceConfiguration Valid()
    {
        var configuration = Configuration(new Dictionary<string, string>());
        return configuration;
    }

    public static string WriteConfiguration(TestDirectory dir, ApplianceConfiguration configuration, string name = "appliance.json")
    {
        var path = dir.File(name);
        File.WriteAllText(path, configuration.ToJson());
        return path;
    }
}
