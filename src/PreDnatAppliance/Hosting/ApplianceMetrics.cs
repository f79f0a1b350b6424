using System.Globalization;
using PreDnatAppliance.Dataplane.Interop;
using PreDnatAppliance.Dataplane.Ports;
using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Management;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// The appliance's Prometheus families (<c>pda_*</c>; docs/management.md lists them). Worker counters are summed from
/// the per-lcore blocks at scrape time (the workers only do plain increments); port counters come from DPDK's ethdev
/// stats; label values are port names, lcore ids, reason, stage, policy and rule names: bounded by the configuration
/// and the compiled policy, never packet addresses.
/// </summary>
public static class ApplianceMetrics
{
    public static void Write(PrometheusWriter w, ApplianceState state, WorkerHeartbeat heartbeat)
    {
        WritePolicyInfo(w, state);
        state.Read(dp =>
        {
            w.Family("pda_up", MetricType.Gauge, "1 while the data path runs (EAL up, ports started, workers launched).")
                .Sample("pda_up", dp is null ? 0 : 1);
            if (dp is not null)
            {
                WritePorts(w, dp);
                WriteWorkers(w, dp, heartbeat);
            }
            return w;
        });
        WritePipeline(w, state);
        WriteConntrack(w, state);
        WriteServices(w, state);
    }

    /// <summary>The pipeline's own counters: stage verdicts, rule hits (by stable RuleId), services, rejects, punts.</summary>
    private static void WritePipeline(PrometheusWriter w, ApplianceState state)
    {
        var counters = state.Runtime.Counters.ReadTotal();
        w.Family("pda_stage_packets_total", MetricType.Counter, "Packets each pipeline stage decided, by verdict (names as in prednat replay's verdicts.jsonl).");
        foreach (var s in counters.StageVerdicts)
            w.Sample("pda_stage_packets_total", s.Packets, ("stage", s.Stage), ("verdict", s.Verdict));
        w.Family("pda_rule_hits_total", MetricType.Counter, "Packets each compiled rule decided, by stage; ruleId is the stable RuleId of prednat policy dump and /debug/policy.");
        foreach (var r in counters.RuleHits)
            w.Sample("pda_rule_hits_total", r.Hits, ("stage", r.Stage), ("policy", r.Owner), ("rule", r.Description), ("ruleId", r.RuleId));
        w.Family("pda_dnat_translations_total", MetricType.Counter, "New flows DNAT'd to a backend, per service port.");
        foreach (var s in counters.ServiceHits)
            w.Sample("pda_dnat_translations_total", s.Translations, ("service", ServiceLabel(s)));
        w.Family("pda_dnat_no_backend_total", MetricType.Counter, "Flow-creating packets to a service port without a usable backend (REJECT, or Local policy without a local endpoint).");
        foreach (var s in counters.ServiceHits)
            w.Sample("pda_dnat_no_backend_total", s.NoBackend, ("service", ServiceLabel(s)));
        w.Family("pda_icmp_rejects_total", MetricType.Counter, "ICMP port unreachable answers for services without endpoints, sent or suppressed by the rate limit.")
            .Sample("pda_icmp_rejects_total", counters.IcmpRejectsSent, ("outcome", "sent"))
            .Sample("pda_icmp_rejects_total", counters.IcmpRejectsSuppressed, ("outcome", "suppressed"));
        w.Family("pda_punted_total", MetricType.Counter, "Packets punted to the kernel port (host-bound).")
            .Sample("pda_punted_total", counters.PuntedToKernel);
    }

    /// <summary><c>namespace/name:port/PROTO</c>, the service port as /debug/services names it (both IP families together).</summary>
    public static string ServiceLabel(Pipeline.Runtime.Counters.ServiceHitCount s) =>
        $"{s.Namespace}/{s.Name}:{s.PortName}/{s.Protocol}";

    private static void WritePolicyInfo(PrometheusWriter w, ApplianceState state)
    {
        var info = state.Policy.BuildInfo;
        w.Family("pda_policy_info", MetricType.Gauge, "The compiled policy the appliance enforces (always 1; the labels identify the build).")
            .Sample("pda_policy_info", 1,
                ("content_hash", info.ContentHash),
                ("built_at", state.PolicyBuiltAt.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture)),
                ("programs", info.ProgramCount.ToString(CultureInfo.InvariantCulture)),
                ("rules", info.RuleCount.ToString(CultureInfo.InvariantCulture)));
        w.Family("pda_policy_generation", MetricType.Gauge, "Generation of the policy in use (1 at start, up by one on each policy swap).")
            .Sample("pda_policy_generation", state.Runtime.CurrentPolicy.Generation);
        w.Family("pda_policy_retired_contexts_loaded", MetricType.Gauge,
                "Retired policies whose load context has not unloaded yet (0 soon after each swap; one that stays means something holds an old policy).")
            .Sample("pda_policy_retired_contexts_loaded", state.RetiredPolicyContexts());
    }

    private static void WritePorts(PrometheusWriter w, Dataplane.Dataplane dp)
    {
        var stats = dp.Ports.Select(p => (p.Name, Stats: PortInit.ReadStats(p.PortId))).ToList();
        void Family(string name, string help, Func<PortStats, ulong> value)
        {
            w.Family(name, MetricType.Counter, help);
            foreach (var (port, s) in stats)
                w.Sample(name, value(s), ("port", port));
        }
        Family("pda_port_rx_packets_total", "Packets the port received (DPDK ipackets).", s => s.RxPackets);
        Family("pda_port_tx_packets_total", "Packets the port sent (DPDK opackets).", s => s.TxPackets);
        Family("pda_port_rx_bytes_total", "Bytes the port received (DPDK ibytes).", s => s.RxBytes);
        Family("pda_port_tx_bytes_total", "Bytes the port sent (DPDK obytes).", s => s.TxBytes);
        Family("pda_port_rx_missed_total", "Packets the NIC dropped because the RX ring was full (DPDK imissed).", s => s.RxMissed);
        Family("pda_port_rx_errors_total", "Erroneous received packets (DPDK ierrors).", s => s.RxErrors);
        Family("pda_port_tx_errors_total", "Failed transmissions (DPDK oerrors).", s => s.TxErrors);
        Family("pda_port_rx_nombuf_total", "RX mbuf allocation failures (DPDK rx_nombuf).", s => s.RxNoMbuf);
    }

    private static void WriteWorkers(PrometheusWriter w, Dataplane.Dataplane dp, WorkerHeartbeat heartbeat)
    {
        var lcores = dp.Snapshot().Workers;
        void Family(string name, string help, Func<Dataplane.Workers.CounterSnapshot, ulong> value)
        {
            w.Family(name, MetricType.Counter, help);
            foreach (var worker in lcores)
                w.Sample(name, value(worker.Counters), ("lcore", Lcore(worker.Lcore)));
        }
        Family("pda_lcore_rx_packets_total", "Packets the worker lcore took from its RX queues.", c => c.RxPackets);
        Family("pda_lcore_tx_packets_total", "Packets the worker lcore handed to TX queues.", c => c.TxPackets);
        Family("pda_lcore_polls_total", "RX polls of the worker lcore (its loop heartbeat).", c => c.Polls);
        Family("pda_lcore_busy_polls_total", "RX polls that returned packets.", c => c.BusyPolls);
        w.Family("pda_lcore_busy_ratio", MetricType.Gauge, "Share of the worker's polls that returned packets over the last half second.");
        foreach (var (lcore, _, _, ratio) in heartbeat.Read(dp))
            w.Sample("pda_lcore_busy_ratio", ratio, ("lcore", Lcore(lcore)));

        var total = dp.Counters.ReadTotal();
        w.Family("pda_drops_total", MetricType.Counter, "Packets dropped by the data path, by reason (every received packet is sent, dropped with a reason, or punted).");
        foreach (var reason in Enum.GetValues<DropReason>().Where(r => r != DropReason.None))
            w.Sample("pda_drops_total", total.Drops[(int)reason], ("reason", DropReasons.Name(reason)));
    }

    private static void WriteConntrack(PrometheusWriter w, ApplianceState state)
    {
        var table = state.Runtime.Conntrack;
        var s = table.Stats;
        w.Family("pda_conntrack_entries", MetricType.Gauge, "Tracked flows.").Sample("pda_conntrack_entries", table.Count);
        w.Family("pda_conntrack_capacity", MetricType.Gauge, "Most tracked flows (conntrack:capacity).").Sample("pda_conntrack_capacity", table.Capacity);
        w.Family("pda_conntrack_lookups_total", MetricType.Counter, "Conntrack lookups by result.");
        foreach (var (result, value) in new[] { ("established", s.Established), ("related", s.Related), ("new", s.New), ("invalid", s.Invalid), ("reevaluate", s.ReEvaluate) })
            w.Sample("pda_conntrack_lookups_total", value, ("result", result));
        w.Family("pda_conntrack_inserted_total", MetricType.Counter, "Flows committed to the table.").Sample("pda_conntrack_inserted_total", s.Inserted);
        w.Family("pda_conntrack_evictions_total", MetricType.Counter, "Live flows evicted to admit new ones.").Sample("pda_conntrack_evictions_total", s.Evicted);
        w.Family("pda_conntrack_removed_total", MetricType.Counter, "Flows removed, by cause.");
        foreach (var (cause, value) in new[] { ("expired", s.Expired), ("closed", s.Closed), ("replaced", s.Replaced), ("purged", s.Purged), ("evicted", s.Evicted) })
            w.Sample("pda_conntrack_removed_total", value, ("cause", cause));
        w.Family("pda_conntrack_refused_total", MetricType.Counter, "Commits refused, by cause.");
        foreach (var (cause, value) in new[] { ("full", s.Full), ("clash", s.Clash), ("invalid", s.CommitInvalid) })
            w.Sample("pda_conntrack_refused_total", value, ("cause", cause));
    }

    private static void WriteServices(PrometheusWriter w, ApplianceState state)
    {
        var table = state.Runtime.Services.Current;
        w.Family("pda_services_generation", MetricType.Gauge, "Generation of the service table in use (goes up on each reload).")
            .Sample("pda_services_generation", table.Generation);
        w.Family("pda_service_frontends", MetricType.Gauge, "Service frontends (NodePorts, cluster IPs, external IPs) in the table.")
            .Sample("pda_service_frontends", table.Frontends.Count);
        w.Family("pda_service_backends", MetricType.Gauge, "Usable backends per service port.");
        foreach (var port in table.Ports)
            w.Sample("pda_service_backends", port.Backends.Count, ("service", port.Id));
        if (state.Watcher is { } watcher)
        {
            w.Family("pda_services_reloads_total", MetricType.Counter, "Services file reloads, by outcome.")
                .Sample("pda_services_reloads_total", (ulong)watcher.ReloadCount, ("outcome", "applied"))
                .Sample("pda_services_reloads_total", (ulong)watcher.RejectCount, ("outcome", "rejected"));
        }
    }

    private static string Lcore(int lcore) => lcore.ToString(CultureInfo.InvariantCulture);
}
