using System.Text.Json;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Ports;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Dataplane.Workers;

namespace PreDnatAppliance.Dataplane;

/// <summary>Counters of the whole data path at one moment; the final one is printed at stop and can be saved as JSON.</summary>
public sealed class DataplaneReport
{
    public bool Final { get; set; }
    public List<string> EalArgs { get; set; } = new();
    public CounterSnapshot Total { get; set; } = new();
    public List<WorkerReport> Workers { get; set; } = new();
    public List<PortReport> Ports { get; set; } = new();
    public MempoolReport Mempool { get; set; } = new();

    public string ToJson() => JsonSerializer.Serialize(this, DataplaneOptions.JsonOptions);

    public static DataplaneReport FromJson(string json) =>
        JsonSerializer.Deserialize<DataplaneReport>(json, new JsonSerializerOptions(DataplaneOptions.JsonOptions) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Skip })!;

    public void WriteSummary(TextWriter w)
    {
        var t = Total;
        w.WriteLine($"dataplane: {(Final ? "final" : "current")} counters: rx {t.RxPackets}, tx {t.TxPackets}, dropped {t.DroppedPackets}" +
            (t.DroppedPackets == 0 ? "" : " (" + string.Join(", ", t.DropsByReason.Select(d => $"{d.Key} {d.Value}")) + ")") +
            $", unaccounted {t.Unaccounted}, tx retries {t.TxRetries}");
        foreach (var wr in Workers)
        {
            var c = wr.Counters;
            w.WriteLine($"dataplane:   lcore {wr.Lcore}: rx {c.RxPackets}, tx {c.TxPackets}, dropped {c.DroppedPackets}, polls {c.Polls} ({c.BusyPolls} busy), managed bytes allocated in loop {c.AllocatedBytes} (first busy round {c.WarmupAllocatedBytes})" +
                (wr.Failure is null ? "" : $", FAILED: {wr.Failure}"));
        }
        foreach (var p in Ports)
        {
            var s = p.Stats;
            w.WriteLine($"dataplane:   port {p.Info.PortId} '{p.Info.Name}': ipackets {s.RxPackets} ibytes {s.RxBytes} opackets {s.TxPackets} obytes {s.TxBytes} imissed {s.RxMissed} ierrors {s.RxErrors} oerrors {s.TxErrors} rx_nombuf {s.RxNoMbuf}");
        }
        if (Mempool.AvailableAfterClose is { } avail)
            w.WriteLine($"dataplane:   mempool: {avail} of {Mempool.Size} mbufs back after close");
    }
}

public sealed class WorkerReport
{
    public int Index { get; set; }
    public int Lcore { get; set; }
    public List<string> Queues { get; set; } = new();
    public CounterSnapshot Counters { get; set; } = new();
    public string? Failure { get; set; }
}

public sealed class PortReport
{
    public PortInfo Info { get; set; } = null!;
    public PortStats Stats { get; set; }
    public LinkStatus Link { get; set; }
}

public sealed class MempoolReport
{
    public uint Size { get; set; }
    public uint Available { get; set; }
    public uint InUse { get; set; }
    public uint? AvailableAfterClose { get; set; }
    public uint? InUseAfterClose { get; set; }
}
