using System.Text.Json;
using System.Text.Json.Serialization;

namespace PreDnatAppliance.Redeploy;

/// <summary>The body of <c>POST /admin/policy</c>: the package to swap in (a directory on the appliance's host).</summary>
public sealed record RedeployRequest(string Package);

/// <summary>RX, TX and dropped packet totals of the data path at one moment (punted packets are sent to the kernel port).</summary>
public readonly record struct TrafficTotals(ulong Received, ulong Sent, ulong Dropped);

/// <summary>
/// The appliance's answer. <see cref="Swapped"/> false means refused: <see cref="Reason"/> says why and the running
/// policy stays. The counters cover the swap window, from just before the publish to the old policy's retirement.
/// </summary>
public sealed record RedeployResponse
{
    public required bool Swapped { get; init; }
    public string? Reason { get; init; }
    public string? OldContentHash { get; init; }
    public string? NewContentHash { get; init; }
    public long Generation { get; init; }
    public double LoadMilliseconds { get; init; }
    public double SelfTestMilliseconds { get; init; }

    /// <summary>Building the runtime's policy model and snapshot for the new classifiers (before anything changes).</summary>
    public double BuildMilliseconds { get; init; }

    /// <summary>Publishing the snapshot: from here on each worker's next burst uses the new policy.</summary>
    public double PublishMilliseconds { get; init; }

    /// <summary>Until every worker passed a quiescent point, when the old policy is out of use.</summary>
    public double RetireMilliseconds { get; init; }
    public bool Retired { get; init; }
    public ulong WindowReceived { get; init; }
    public ulong WindowSent { get; init; }
    public ulong WindowDropped { get; init; }

    /// <summary>
    /// Received in the window less sent and dropped: the counters are read while the workers run (a racy snapshot, a
    /// burst or two either way), so this is in-flight noise, not loss; loss shows in the run's final accounting.
    /// </summary>
    public long WindowInFlight => (long)WindowReceived - (long)WindowSent - (long)WindowDropped;
}

public static class RedeployJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };
}
