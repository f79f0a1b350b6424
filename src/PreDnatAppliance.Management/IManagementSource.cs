namespace PreDnatAppliance.Management;

/// <summary>
/// What the management endpoint serves, supplied by the composition root. Every method is called on a request thread
/// and must only read: counters are summed from the workers' blocks, tables are read as published.
/// </summary>
public interface IManagementSource
{
    /// <summary>Every metric family, for <c>/metrics</c>.</summary>
    void WriteMetrics(PrometheusWriter writer);

    /// <summary><c>/healthz/live</c>: every worker loop still advancing.</summary>
    HealthStatus Liveness();

    /// <summary><c>/healthz/ready</c>: EAL up, ports started, policy and services loaded.</summary>
    HealthStatus Readiness();

    /// <summary><c>/debug/policy</c>: the compiled programs with RuleIds, source locations (relative) and hit counts.</summary>
    object DebugPolicy();

    /// <summary><c>/debug/conntrack?limit=N</c>: at most <paramref name="limit"/> live entries and the table's counters.</summary>
    object DebugConntrack(int limit);

    /// <summary><c>/debug/services</c>: the service table in use (frontends, backends, counters).</summary>
    object DebugServices();
}

/// <summary>A health answer: healthy or not, and one check per line for the operator.</summary>
public sealed record HealthStatus(bool Healthy, IReadOnlyList<HealthCheck> Checks)
{
    public static HealthStatus Of(params HealthCheck[] checks) => new(checks.All(c => c.Ok), checks);
}

public sealed record HealthCheck(string Name, bool Ok, string Detail);
