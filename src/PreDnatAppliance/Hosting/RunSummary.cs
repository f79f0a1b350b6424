using System.Globalization;
using PreDnatAppliance.Dataplane;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// The table printed when the run ends: totals, ports (DPDK stats), drops by reason, stage verdicts, rule hits, services,
/// conntrack. Lines start with
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
        var counters = state.Runtime.Counters.ReadTotal();
        if (counters.StageVerdicts.Count > 0)
        {
            w.WriteLine(Invariant($"summary: {"stage",-12} {"verdict",-19} {"packets",14}"));
            foreach (var v in counters.StageVerdicts)
                w.WriteLine(Invariant($"summary: {v.Stage,-12} {v.Verdict,-19} {v.Packets,14}"));
        }
        if (counters.RuleHits.Count > 0)
        {
            w.WriteLine(Invariant($"summary: {"rule",-14} {"stage",-10} {"hits",14}  policy: rule (source)"));
            foreach (var r in counters.RuleHits.OrderByDescending(r => r.Hits).ThenBy(r => r.RuleId, StringComparer.Ordinal))
                w.WriteLine(Invariant($"summary: {r.RuleId,-14} {r.Stage,-10} {r.Hits,14}  {r.Owner}: {r.Description}{(r.Source is null ? "" : $" ({Path.GetFileName(r.Source)})")}"));
        }
        foreach (var s in counters.ServiceHits)
            w.WriteLine(Invariant($"summary: service {ApplianceMetrics.ServiceLabel(s)}: {s.Translations} translated, {s.NoBackend} without backend"));
        w.WriteLine(Invariant($"summary: icmp rejects sent {counters.IcmpRejectsSent}, suppressed {counters.IcmpRejectsSuppressed}; punted to the kernel {counters.PuntedToKernel}"));
        var ct = state.Runtime.Conntrack.Stats;
        w.WriteLine(Invariant($"summary: conntrack {state.Runtime.Conntrack.Count} flows; lookups {ct.Lookups} (established {ct.Established}, new {ct.New}, related {ct.Related}, invalid {ct.Invalid}); inserted {ct.Inserted}, evicted {ct.Evicted}"));
        w.Flush();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
