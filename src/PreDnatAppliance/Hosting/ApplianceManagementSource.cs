using PreDnatAppliance.Management;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Programs;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// The appliance behind the management endpoint: metrics (<see cref="ApplianceMetrics"/>), health from the running
/// parts, and the debug dumps. Source locations are given relative to the policy directory and no configured path is
/// echoed: the answers may leave the machine.
/// </summary>
public sealed class ApplianceManagementSource : IManagementSource
{
    private readonly ApplianceState _state;
    private readonly WorkerHeartbeat _heartbeat;

    public ApplianceManagementSource(ApplianceState state, WorkerHeartbeat heartbeat)
    {
        _state = state;
        _heartbeat = heartbeat;
    }

    public void WriteMetrics(PrometheusWriter writer) => ApplianceMetrics.Write(writer, _state, _heartbeat);

    public HealthStatus Liveness() => _state.Read(Liveness);

    private HealthStatus Liveness(Dataplane.Dataplane? dp)
    {
        if (dp is null)
            return HealthStatus.Of(new HealthCheck("workers", false, _state.Stopping ? "stopping" : "the data path is not running"));
        var workers = _heartbeat.Read(dp);
        var checks = workers.Select(w => new HealthCheck($"lcore {w.Lcore}", w.Advancing,
            w.Advancing ? $"polling (busy {w.BusyRatio:P0})" : $"no poll for {w.SecondsSinceAdvance:0.0} s")).ToList();
        if (checks.Count < dp.WorkerCount)
            checks.Add(new HealthCheck("workers", false, "not sampled yet"));
        if (!dp.AllWorkersRunning)
            checks.Add(new HealthCheck("workers", false, "a worker loop has ended"));
        return HealthStatus.Of(checks.ToArray());
    }

    public HealthStatus Readiness() => _state.Read(Readiness);

    private HealthStatus Readiness(Dataplane.Dataplane? dp)
    {
        var services = _state.Runtime.Services.Current;
        var info = _state.Policy.BuildInfo;
        var watcherError = _state.Watcher?.LastError;
        return HealthStatus.Of(
            new HealthCheck("eal", dp is not null, dp is null ? (_state.Stopping ? "stopping" : "not initialised") : $"up, {dp.WorkerCount} worker lcores"),
            new HealthCheck("ports", dp is not null && dp.Ports.Count == _state.Configuration.Appliance.Dataplane.Ports.Count,
                dp is null ? "not started" : string.Join(", ", dp.Ports.Select(p => $"{p.Name} started ({(dp.ReadLink(p.Name).Up ? "link up" : "link down")})"))),
            new HealthCheck("policy", true, $"{info.ContentHash}: {info.ProgramCount} programs, {info.RuleCount} rules"),
            new HealthCheck("services", true, $"generation {services.Generation}: {services.Ports.Count} service ports, {services.Frontends.Count} frontends" +
                (watcherError is null ? "" : "; last reload rejected (the previous table stays in use)")));
    }

    public object DebugPolicy()
    {
        var info = _state.Policy.BuildInfo;
        var compiled = _state.Compiled;
        var hits = RuleHits();
        return new
        {
            policy = new { info.ContentHash, builtAt = _state.PolicyBuiltAt, info.ProgramCount, info.RuleCount, hitCounts = "live, summed over workers and stages since start" },
            node = _state.Configuration.Appliance.Node.Name,
            failsafes = compiled.Failsafes.Select(f => new
            {
                ruleId = f.Id.ToString(),
                direction = StageNames.Of(f.Direction),
                protocol = f.Protocol,
                port = f.Port,
                net = f.Net?.ToString(),
                source = Source(f.Location),
                hits = Hits(hits, f.Id),
            }),
            programs = compiled.Programs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => new
            {
                key = p.Key,
                endpoint = p.Endpoint.Name,
                @interface = p.Endpoint.InterfaceName,
                stage = StageNames.Of(p.Stage),
                direction = StageNames.Of(p.Direction),
                tiers = p.Tiers.Select(t => new
                {
                    name = t.Name,
                    policies = t.Policies.Select(pol => new
                    {
                        name = pol.Namespace is null ? pol.Name : $"{pol.Namespace}/{pol.Name}",
                        order = pol.Order,
                        source = Source(pol.Location),
                        rules = pol.Rules.Select(r => Rule(r, hits)),
                    }),
                    end = new { action = t.EndAction.ToString().ToLowerInvariant(), ruleId = t.EndRuleId.ToString(), hits = Hits(hits, t.EndRuleId) },
                }),
                profiles = p.Profiles?.Select(pr => new { name = pr.Name, source = Source(pr.Location), rules = pr.Rules.Select(r => Rule(r, hits)) }),
                end = new { kind = p.End.ToString(), ruleId = p.EndRuleId.ToString(), hits = Hits(hits, p.EndRuleId) },
            }),
        };
    }

    private static object Rule(CompiledRule r, IReadOnlyDictionary<ulong, ulong> hits) => new
    {
        ruleId = r.Id.ToString(),
        index = r.Index,
        action = r.Action.ToString().ToLowerInvariant(),
        match = RuleText.Describe(r),
        source = Source(r.Location),
        hits = Hits(hits, r.Id),
    };

    private static ulong Hits(IReadOnlyDictionary<ulong, ulong> hits, RuleId id) => hits.GetValueOrDefault(id.Value);

    /// <summary>Per RuleId (its 48-bit value), summed over the workers and stages.</summary>
    private IReadOnlyDictionary<ulong, ulong> RuleHits()
    {
        var hits = new Dictionary<ulong, ulong>();
        foreach (var r in _state.Runtime.Counters.ReadTotal().RuleHits)
            if (r.RuleId.Length > 1 && ulong.TryParse(r.RuleId.AsSpan(1), System.Globalization.NumberStyles.AllowHexSpecifier, System.Globalization.CultureInfo.InvariantCulture, out var id))
                hits[id] = hits.GetValueOrDefault(id) + r.Hits;
        return hits;
    }

    /// <summary><c>file.yaml:line</c>, the file name only (the policy directory's location is not the client's business).</summary>
    public static string? Source(SourceLocation location) =>
        location.IsKnown ? $"{Path.GetFileName(location.File)}:{location.Line}" : null;

    public object DebugConntrack(int limit)
    {
        var table = _state.Runtime.Conntrack;
        var entries = new List<object>();
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        var ticks = (double)table.Options.TicksPerSecond;
        for (var i = 0; i < table.Capacity && entries.Count < limit; i++)
        {
            if (table.View(i) is not { } e)
                continue;
            entries.Add(new
            {
                original = e.Original.ToString(),
                reply = e.Reply.ToString(),
                nat = e.PostNat.Equals(e.Original) ? null : e.PostNat.ToString(),
                state = e.State.ToString(),
                status = e.Status.ToString(),
                ageSeconds = Math.Round((now - e.Created) / ticks, 3),
                idleSeconds = Math.Round((now - e.LastSeen) / ticks, 3),
            });
        }
        var s = table.Stats;
        return new
        {
            count = table.Count,
            capacity = table.Capacity,
            shown = entries.Count,
            stats = new { s.Lookups, s.Established, s.Related, s.New, s.Invalid, s.Inserted, s.Evicted, s.Expired, s.Full, s.Clash },
            entries,
        };
    }

    public object DebugServices()
    {
        var table = _state.Runtime.Services.Current;
        return new
        {
            generation = table.Generation,
            node = table.Node.Name,
            lastReloadError = _state.Watcher?.LastError is null ? null : "the last services file change was rejected; see the log",
            ports = table.Ports.Select(p => new
            {
                id = p.Id,
                backends = p.Backends.Select(b => b.ToString()),
                localBackends = p.LocalBackends.Select(b => b.ToString()),
            }),
            frontends = table.Frontends.Select(f => new
            {
                frontend = f.ToString(),
                service = table.Ports[f.ServiceIndex].Id,
                localOnly = f.LocalOnly,
                snatRemote = f.SnatRemote,
            }),
            warnings = table.Warnings,
        };
    }
}
