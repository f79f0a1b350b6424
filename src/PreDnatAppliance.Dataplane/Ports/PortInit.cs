using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Interop;

namespace PreDnatAppliance.Dataplane.Ports;

/// <summary>A configured, started DPDK port.</summary>
public sealed record PortInfo(
    string Name,
    ushort PortId,
    string DeviceName,
    string Driver,
    string Mac,
    PortRole Role,
    int RxQueues,
    int TxQueues,
    int RxDescriptors,
    int TxDescriptors,
    ulong RssHashFunctions,
    int SocketId,
    bool Promiscuous);

public readonly record struct LinkStatus(bool Up, uint SpeedMbps, bool FullDuplex);

/// <summary>Port setup in the shape of DPDK's skeleton example; the configure/queues/start sequence itself is <c>pda_port_init</c> in the shim.</summary>
public static unsafe class PortInit
{
    /// <summary>Finds the DPDK port of <paramref name="options"/> by device name and configures and starts it.</summary>
    public static PortInfo Init(PortOptions options, int txQueues, nint pool, PortRole role)
    {
        var device = options.DeviceName;
        ushort portId;
        var name = Dpdk.Utf8(device);
        try
        {
            if (Dpdk.rte_eth_dev_get_port_by_name(name, &portId) != 0)
                throw new DataplaneException($"port '{options.Name}': DPDK has no port named '{device}' (is the {(options.Pci is null ? "vdev" : "PCI device")} string right? EAL probes it at init)");
        }
        finally
        {
            System.Runtime.InteropServices.Marshal.FreeCoTaskMem((nint)name);
        }

        var flags = Shim.PortFastFree;
        if (options.Promiscuous) flags |= Shim.PortPromiscuous;
        if (options.Rss) flags |= Shim.PortRss;
        var config = new PdaPortConfig
        {
            RxQueues = (ushort)options.RxQueues,
            TxQueues = (ushort)txQueues,
            RxDescriptors = (ushort)options.RxDescriptors,
            TxDescriptors = (ushort)options.TxDescriptors,
            Flags = flags,
            Mtu = (uint)options.Mtu,
        };
        PdaPortInfo info;
        byte* step = null;
        var rc = Shim.pda_port_init(portId, &config, pool, &info, &step);
        if (rc != 0)
        {
            var where = step is null ? "pda_port_init" : System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)step);
            throw new DataplaneException($"port '{options.Name}' ({device}, port {portId}): {where} failed: {Dpdk.StrError(rc)} ({rc})");
        }
        var macBytes = new byte[6];
        for (var i = 0; i < 6; i++)
            macBytes[i] = info.Mac[i];
        var mac = Convert.ToHexString(macBytes).ToLowerInvariant();
        mac = string.Join(":", Enumerable.Range(0, 6).Select(i => mac.Substring(i * 2, 2)));
        return new PortInfo(options.Name, portId, device, FixedText.Read(info.Driver, 32), mac, role,
            info.RxQueues, info.TxQueues, info.RxDescriptors, info.TxDescriptors, info.RssHf, info.SocketId, info.Promiscuous != 0);
    }

    public static PortStats ReadStats(ushort portId)
    {
        PortStats stats;
        Shim.pda_port_stats(portId, &stats);
        return stats;
    }

    public static LinkStatus ReadLink(ushort portId)
    {
        PdaLink link;
        return Shim.pda_link_status(portId, &link) == 0 ? new LinkStatus(link.Up != 0, link.SpeedMbps, link.FullDuplex != 0) : default;
    }

    /// <summary>Extended statistics (name, value), flattened by the shim.</summary>
    public static IReadOnlyList<KeyValuePair<string, ulong>> ReadXstats(ushort portId)
    {
        var count = Shim.pda_port_xstats_count(portId);
        if (count <= 0)
            return Array.Empty<KeyValuePair<string, ulong>>();
        var values = new ulong[count];
        var names = new byte[count * Shim.XstatNameSize];
        int got;
        fixed (ulong* v = values)
        fixed (byte* n = names)
        {
            got = Shim.pda_port_xstats(portId, v, n, (uint)count);
            var result = new List<KeyValuePair<string, ulong>>(Math.Max(0, got));
            for (var i = 0; i < got; i++)
                result.Add(new(FixedText.Read(n + i * Shim.XstatNameSize, Shim.XstatNameSize), v[i]));
            return result;
        }
    }
}
