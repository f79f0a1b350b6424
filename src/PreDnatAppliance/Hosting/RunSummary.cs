using System.Globalization;
using PreDnatAppliance.Dataplane;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// The table printed when the run ends: totals, ports (DPDK stats), drops by reason, conntrack. Lines start with
/// <c>summary:</c> so scripts and tests can pick them out of the log.
/// </summary>
public static class RunSummary
{
    public static void Write(TextWriter w, ApplianceState state, DataplaneReport report)
    {
        var t = report.Total;
        w.WriteLine(Invariant($"summary: rx {t.RxPackets}  tx {t.TxPackets}  dropped {t.DroppedPackets}  unaccounted {t.Unaccounted}"));
        w.WriteLine(Invariant($"summary: {"port",-10} {"rx packets",14} {"tx packets",14} {"rx missed",10} {"rx errors",10} {"tx errors",10}"));
        foreach (var p in report.Ports)
            w.WriteLine(Invariant($"summary: {p.Info.Name,-10} {p.Stats.RxPackets,14} {p.Stats.TxPackets,14} {p.Stats.RxMissed,10} {p.Stats.RxErrors,10} {p.Stats.TxErrors,10}"));
        if (t.DroppedPackets > 0)
        {
            w.WriteLine(Invariant($"summary: {"drop reason",-32} {"packets",14} {"share",7}"));
            foreach (var (reason, count) in t.DropsByReason.OrderByDescending(d => d.Value).ThenBy(d => d.Key, StringComparer.Ordinal))
                w.WriteLine(Invariant($"summary: {reason,-32} {count,14} {100.0 * count / t.DroppedPackets,6:0.0}%"));
        }
        var ct = state.Runtime.Conntrack.Stats;
        w.WriteLine(Invariant($"summary: conntrack {state.Runtime.Conntrack.Count} flows; lookups {ct.Lookups} (established {ct.Established}, new {ct.New}, related {ct.Related}, invalid {ct.Invalid}); inserted {ct.Inserted}, evicted {ct.Evicted}"));
        w.Flush();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
