using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using PreDnatAppliance.Cli;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using PreDnatAppliance.Host.Tests.Infrastructure;
using PreDnatAppliance.Hosting.Demo;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Runtime.Counters;

namespace PreDnatAppliance.Host.Tests;

/// <summary>
/// <c>prednat run</c> on virtual devices, as an operator sees it: the management endpoint's counters against the traffic
/// sent and against <c>prednat replay</c> of the same pcaps, health, debug dumps, limits, then SIGTERM.
/// </summary>
public sealed class RunEndToEndTests
{
    private static readonly TimeSpan Startup = TimeSpan.FromSeconds(90);

    [Fact]
    public void Counters_match_the_traffic_and_replay_and_SIGTERM_drains_with_exit_0()
    {
        using var dir = new TestDirectory("host-e2e");
        var frames = Traffic(ApplianceConfiguration.Default());
        var configPath = TestAppliance.Write(dir, frames);
        var sent = frames.Sum(f => f.Value.Count);
        var servicesPath = dir.File("services.yaml");
        var services = ApplianceConfiguration.DefaultServicesYaml();
        File.WriteAllText(servicesPath, services);

        using var run = new RunProcess(new[] { "--config", configPath, "--services", servicesPath, "--management:address=127.0.0.1:0", "--run:liveView=false", "--run:shutdownTimeoutSeconds=20" });
        run.WaitUntilRunning(Startup);
        Assert.Equal("127.0.0.1", run.Management!.Host);

        // Every packet read and accounted for: sent, dropped with a reason, or punted (TX of the kernel port).
        var m = run.ScrapeUntil(x => x.Sum("pda_lcore_rx_packets_total") == sent
                                     && x.Sum("pda_lcore_rx_packets_total") == x.Sum("pda_lcore_tx_packets_total") + x.Sum("pda_drops_total"),
            TimeSpan.FromSeconds(30), $"rx = {sent}, all accounted for");
        foreach (var (port, list) in frames)
            Assert.Equal(list.Count, m.Sum("pda_port_rx_packets_total", ("port", port)));

        // What the traffic is made of, independently of replay.
        Assert.Equal(5, m.Sum("pda_drops_total", ("reason", "prednat-deny")));
        Assert.Equal(2, m.Sum("pda_drops_total", ("reason", "service-no-local-endpoints")));
        Assert.Equal(1, m.Sum("pda_drops_total", ("reason", "truncated-ipv4")));
        Assert.Equal(2, m.Sum("pda_port_tx_packets_total", ("port", "kernel")));

        // The same pcaps through prednat replay's engine: same drops by reason, same packets out of every port.
        var (replay, replayCounters) = Replay(configPath, frames.Keys.ToList(), dir);
        var replayDrops = DropsByReason(dir.File("replay/" + ReplayEngine.VerdictsFile));
        Assert.NotEmpty(replayDrops);
        foreach (var reason in replayDrops.Keys.Union(m.All("pda_drops_total").Where(s => s.Value > 0).Select(s => s.Labels["reason"])))
            Assert.True(replayDrops.GetValueOrDefault(reason) == (long)m.Sum("pda_drops_total", ("reason", reason)),
                $"drops {reason}: replay {replayDrops.GetValueOrDefault(reason)}, run {m.Sum("pda_drops_total", ("reason", reason))}");
        foreach (var port in new[] { "eth0", "eth1", "pods", "kernel" })
            Assert.True(replay.PcapPackets.GetValueOrDefault(port + ".pcap") == (long)m.Sum("pda_port_tx_packets_total", ("port", port)),
                $"tx {port}: replay {replay.PcapPackets.GetValueOrDefault(port + ".pcap")}, run {m.Sum("pda_port_tx_packets_total", ("port", port))}");
        // Per stage verdict and per rule: what replay's runtime counted for the same packets.
        Assert.NotEmpty(replayCounters.StageVerdicts);
        Assert.Equal(
            replayCounters.StageVerdicts.Select(v => $"{v.Stage} {v.Verdict} {v.Packets}").Order(StringComparer.Ordinal),
            m.All("pda_stage_packets_total").Where(x => x.Value > 0).Select(x => $"{x.Labels["stage"]} {x.Labels["verdict"]} {x.Value}").Order(StringComparer.Ordinal));
        Assert.Equal(
            replayCounters.RuleHits.Select(r => $"{r.Stage} {r.Owner} {r.RuleId} {r.Hits}").Order(StringComparer.Ordinal),
            m.All("pda_rule_hits_total").Where(x => x.Value > 0).Select(x => $"{x.Labels["stage"]} {x.Labels["policy"]} {x.Labels["ruleId"]} {x.Value}").Order(StringComparer.Ordinal));
        Assert.Equal(5, m.Sum("pda_rule_hits_total", ("stage", "prednat"), ("policy", "drop-other-ingress")));
        Assert.Equal(6, m.Sum("pda_dnat_translations_total", ("service", "shop/web:http/TCP")));
        Assert.Equal(2, m.Sum("pda_dnat_no_backend_total", ("service", "shop/empty:http/TCP")));
        Assert.Equal(2, m.Sum("pda_icmp_rejects_total", ("outcome", "sent")));
        Assert.True(m.Sum("pda_conntrack_entries") > 0);
        Assert.Single(m.All("pda_policy_info"));

        // Health, and the debug dumps (relative source locations only).
        Assert.StartsWith("ok", run.GetText("/healthz/live"), StringComparison.Ordinal);
        Assert.StartsWith("ok", run.GetText("/healthz/ready"), StringComparison.Ordinal);
        var policy = run.GetText("/debug/policy");
        Assert.Matches("\"ruleId\": \"r[0-9a-f]{12}\"", policy);
        Assert.Contains("\"hits\": 5", policy, StringComparison.Ordinal); // drop-other-ingress, as counted above
        Assert.Contains("nodeport-protection.yaml:", policy, StringComparison.Ordinal);
        Assert.DoesNotContain(PolicyAssemblies.RepositoryRoot() ?? "/nonexistent", policy, StringComparison.Ordinal);
        Assert.DoesNotContain(dir.Path, run.GetText("/debug/services"), StringComparison.Ordinal);
        var conntrack = run.GetText("/debug/conntrack?limit=2");
        Assert.Equal(2, Regex.Matches(conntrack, "\"original\"").Count);

        // Read-only, bounded.
        using (var post = run.Post("/metrics", new StringContent("x")))
            Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        using (var big = run.Post("/admin/policy", new ByteArrayContent(new byte[2 << 20])))
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, big.StatusCode);
        using (var anonymous = run.Post("/admin/policy", new StringContent("{}")))
            Assert.False(anonymous.IsSuccessStatusCode, $"POST /admin/policy without a token answered {anonymous.StatusCode}");
        using (var badLimit = run.Get("/debug/conntrack?limit=999999999"))
            Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);

        // The services file is watched: a change is applied live, a broken file is rejected and the table in use stays.
        var generation = m.Sum("pda_services_generation");
        File.WriteAllText(servicesPath, services.Replace("nodePort: 30081", "nodePort: 30091", StringComparison.Ordinal));
        run.ScrapeUntil(x => x.Sum("pda_services_generation") > generation && x.Sum("pda_services_reloads_total", ("outcome", "applied")) == 1,
            TimeSpan.FromSeconds(30), "the services reload");
        Assert.Contains("10.240.0.10:30091", run.GetText("/debug/services"), StringComparison.Ordinal);
        File.WriteAllText(servicesPath, "kind: [broken");
        run.ScrapeUntil(x => x.Sum("pda_services_reloads_total", ("outcome", "rejected")) == 1, TimeSpan.FromSeconds(30), "the rejected reload");
        Assert.Contains("last reload rejected", run.GetText("/healthz/ready"), StringComparison.Ordinal);
        Assert.Contains("10.240.0.10:30091", run.GetText("/debug/services"), StringComparison.Ordinal);

        // Scrapes keep coming while the data path stops (its counters are freed after the stop): no crash, exit 0.
        using var scraping = new CancellationTokenSource();
        var scrapes = Task.Run(async () =>
        {
            var answered = 0;
            while (!scraping.IsCancellationRequested)
            {
                try
                {
                    using var response = await run.Http.GetAsync(new Uri(run.Management, "/metrics"), scraping.Token);
                    answered++;
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    break;
                }
            }
            return answered;
        });
        Thread.Sleep(200);
        run.Terminate();
        Assert.True(run.Child.WaitForExit(TimeSpan.FromSeconds(25)), "no exit within the shutdown timeout\n" + run.Child.Output);
        scraping.Cancel();
        Assert.True(Answered(scrapes) > 0, "no scrape was answered while stopping");
        Assert.Equal(0, run.Child.ExitCode);
        Assert.Contains($"summary: rx {sent}  tx {sent - (int)m.Sum("pda_drops_total")}  dropped {(int)m.Sum("pda_drops_total")}  unaccounted 0", run.Child.Output, StringComparison.Ordinal);
        Assert.Contains("mempool after close: 16383 of 16383 available, 0 in use", run.Child.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void The_embedded_demo_runs_for_its_duration_with_a_live_view_and_a_summary()
    {
        using var run = new RunProcess(new[] { "--duration", "3", "--management:address=127.0.0.1:0" }, withFilePrefix: false);
        Assert.True(run.Child.WaitForExit(Startup), "the demo did not stop after --duration\n" + run.Child.Output);
        Assert.Equal(0, run.Child.ExitCode);
        var output = run.Child.Output;
        Assert.True(Regex.Matches(output, @"^\[\s*\d+s\] rx \d", RegexOptions.Multiline).Count >= 2, output);
        foreach (var reason in new[] { "prednat-deny", "service-no-local-endpoints" })
            Assert.Matches($@"summary: {reason}\s+[1-9]\d*", output);
        Assert.Matches(@"summary: kernel\s+0\s+[1-9]\d*", output);
        Assert.Matches(@"summary: pods\s+[1-9]\d*\s+[1-9]\d*", output);
        Assert.False(Directory.Exists(Path.Combine(Path.GetTempPath(), $"prednat-run-{run.Child.Pid}")), "the demo's pcap directory was left behind");
        Assert.False(Directory.Exists($"/var/run/dpdk/pda-run-{run.Child.Pid}"), "the demo's DPDK runtime directory was left behind");
    }

    [Fact]
    public void Ctrl_C_stops_the_demo_with_exit_0_and_a_summary()
    {
        using var run = new RunProcess(new[] { "--management:address=127.0.0.1:0" }, withFilePrefix: false);
        run.WaitUntilRunning(Startup);
        run.Child.WaitForLine(l => Regex.IsMatch(l, @"^\[\s*\d+s\] rx"), TimeSpan.FromSeconds(30), what: "a live view line");
        run.Interrupt();
        Assert.True(run.Child.WaitForExit(TimeSpan.FromSeconds(30)), "no exit after SIGINT\n" + run.Child.Output);
        Assert.Equal(0, run.Child.ExitCode);
        Assert.Matches(@"summary: rx [1-9]\d*  tx \d+  dropped \d+  unaccounted 0", run.Child.Output);
    }

    /// <summary>
    /// Known traffic on two ports. eth0: six NodePort clients of shop/web (allowed, DNAT), three TCP and two UDP clients
    /// the pre-DNAT policy denies, two SSH connections (failsafe, punted), one truncated IPv4 packet. eth1: two clients
    /// of shop/empty (ICMP reject) and two of shop/local-only (dropped).
    /// </summary>
    private static Dictionary<string, List<byte[]>> Traffic(ApplianceConfiguration c)
    {
        var router = TestAppliance.NeighbourMac(c, "192.0.2.1");
        var node2 = TestAppliance.NeighbourMac(c, DemoTraffic.Node2);
        var eth0 = TestAppliance.PortMac(c, "eth0");
        var eth1 = TestAppliance.PortMac(c, "eth1");
        var uplink = new List<byte[]>();
        for (ushort i = 0; i < 6; i++)
            uplink.Add(DemoFrames.Tcp(router, eth0, DemoTraffic.Client, DemoTraffic.Node, (ushort)(41000 + i), 30080, DemoFrames.Syn));
        for (ushort i = 0; i < 3; i++)
            uplink.Add(DemoFrames.Tcp(router, eth0, DemoTraffic.DeniedClient, DemoTraffic.Node, (ushort)(42000 + i), 30082, DemoFrames.Syn));
        for (ushort i = 0; i < 2; i++)
            uplink.Add(DemoFrames.Udp(router, eth0, DemoTraffic.DeniedClient, DemoTraffic.Node, (ushort)(43000 + i), 30080));
        for (ushort i = 0; i < 2; i++)
            uplink.Add(DemoFrames.Tcp(router, eth0, DemoTraffic.SshClient, DemoTraffic.Node, (ushort)(44000 + i), 22, DemoFrames.Syn));
        uplink.Add(DemoFrames.Tcp(router, eth0, DemoTraffic.Client, DemoTraffic.Node, 45000, 30080, DemoFrames.Syn)[..30]);
        var cluster = new List<byte[]>();
        for (ushort i = 0; i < 2; i++)
        {
            cluster.Add(DemoFrames.Tcp(node2, eth1, DemoTraffic.Node2, DemoTraffic.NodeCluster, (ushort)(46000 + i), 30081, DemoFrames.Syn));
            cluster.Add(DemoFrames.Tcp(node2, eth1, DemoTraffic.Node2, DemoTraffic.NodeCluster, (ushort)(47000 + i), 30082, DemoFrames.Syn));
        }
        return new Dictionary<string, List<byte[]>>(StringComparer.Ordinal) { ["eth0"] = uplink, ["eth1"] = cluster };
    }

    private static int Answered(Task<int> scrapes) => scrapes.Wait(TimeSpan.FromSeconds(20)) ? scrapes.Result : 0;

    /// <summary>Packets replay dropped (result "dropped" and nothing sent in their place), by reason.</summary>
    private static Dictionary<string, long> DropsByReason(string verdictsPath)
    {
        var drops = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(verdictsPath))
        {
            using var entry = JsonDocument.Parse(line);
            var root = entry.RootElement;
            if (root.GetProperty("result").GetString() == "dropped" && (!root.TryGetProperty("egress", out var egress) || egress.ValueKind == JsonValueKind.Null))
            {
                var reason = root.GetProperty("reason").GetString()!;
                drops[reason] = drops.GetValueOrDefault(reason) + 1;
            }
        }
        return drops;
    }

    /// <summary>prednat replay's engine over the same pcaps and configuration: its result and its runtime's pipeline counters.</summary>
    private static (ReplayResult Result, PipelineCountersSnapshot Counters) Replay(string configPath, IReadOnlyList<string> ports, TestDirectory dir)
    {
        using var runtime = ApplianceLoading.CreateRuntime(configPath, null, null,
            new RuntimeOptions { TicksPerSecond = 1_000_000_000, Trace = true, ConntrackHashSeed = ReplayCommand.HashSeed }, TextWriter.Null)!;
        using var engine = new ReplayEngine(runtime, 32);
        var result = engine.Run(ports.Select(p => new ReplayInput(dir.File(p + ".pcap"), p)).ToList(), dir.File("replay"));
        return (result, runtime.Counters.ReadTotal());
    }
}
