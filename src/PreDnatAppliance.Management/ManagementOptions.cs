using System.Globalization;
using System.Net;

namespace PreDnatAppliance.Management;

/// <summary>
/// The <c>management</c> configuration section. Binds to localhost unless told otherwise (felix's health and metrics
/// ports do the same); the one write route needs <see cref="AdminToken"/>, and without it answers 403.
/// </summary>
public sealed class ManagementOptions
{
    public const string DefaultAddress = "127.0.0.1:9091";

    /// <summary>Serve the endpoint at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary><c>host:port</c> to listen on (IPv4, <c>[IPv6]</c> or <c>localhost</c>); port 0 picks a free one.</summary>
    public string Address { get; set; } = DefaultAddress;

    /// <summary>Bearer token for the admin routes (policy swap). Null or empty: admin routes are refused.</summary>
    public string? AdminToken { get; set; }

    /// <summary>Largest request body accepted (413 above); the policy swap's payload is the largest legitimate one.</summary>
    public long MaxRequestBodyBytes { get; set; } = 1 << 20;

    /// <summary>Requests per second over all clients (a token bucket; 429 when empty).</summary>
    public int RequestsPerSecond { get; set; } = 50;

    /// <summary>The token bucket's depth.</summary>
    public int RequestBurst { get; set; } = 100;

    /// <summary>Largest <c>limit</c> of /debug/conntrack.</summary>
    public int MaxConntrackEntries { get; set; } = 10_000;

    /// <summary>Every problem, each naming its key under <c>management</c>.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (!TryParseAddress(Address, out _, out var problem))
            errors.Add($"management:address: {problem}");
        if (AdminToken is { Length: > 0 and < 16 })
            errors.Add("management:adminToken: at least 16 characters (it guards the policy swap)");
        if (MaxRequestBodyBytes is < 1024 or > 256L << 20)
            errors.Add($"management:maxRequestBodyBytes: {MaxRequestBodyBytes} is outside 1024..268435456");
        if (RequestsPerSecond is < 1 or > 100_000)
            errors.Add($"management:requestsPerSecond: {RequestsPerSecond} is outside 1..100000");
        if (RequestBurst < 1 || RequestBurst > 1_000_000)
            errors.Add($"management:requestBurst: {RequestBurst} is outside 1..1000000");
        if (MaxConntrackEntries is < 1 or > 1_000_000)
            errors.Add($"management:maxConntrackEntries: {MaxConntrackEntries} is outside 1..1000000");
        return errors;
    }

    /// <summary>Parses <c>host:port</c>; <c>localhost</c> means the IPv4 loopback.</summary>
    public static bool TryParseAddress(string? text, out IPEndPoint endpoint, out string problem)
    {
        endpoint = new IPEndPoint(IPAddress.Loopback, 0);
        problem = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "empty; expected host:port such as 127.0.0.1:9091";
            return false;
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problem = $"'{text}' is not host:port (e.g. 127.0.0.1:9091)";
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        IPAddress? address = host == "localhost" ? IPAddress.Loopback : IPAddress.TryParse(host, out var parsed) ? parsed : null;
        if (address is null)
        {
            problem = $"'{host}' is not an IP address (names other than localhost are not resolved)";
            return false;
        }
        endpoint = new IPEndPoint(address, port);
        return true;
    }
}
