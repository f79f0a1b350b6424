using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace PreDnatAppliance.Management;

/// <summary>
/// The management HTTP server: Kestrel with only what it needs (no default configuration sources, so neither
/// <c>ASPNETCORE_URLS</c> nor an appsettings file can move it off the configured address), read-only GET routes, the
/// admin POST routes the composition root maps with <see cref="MapAdminPost"/>, and limits in front of everything:
/// request size (413), a global token bucket (429), small header limits. Error answers carry no exception text.
/// </summary>
public sealed class ManagementServer : IAsyncDisposable
{
    // Relaxed escaping: the flows and rules read as text ("->" stays "->"); the answers are JSON, never HTML.
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly ManagementOptions _options;
    private readonly IManagementSource _source;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _log;
    private readonly List<(string Path, AdminHandler Handler)> _admin = new();
    private WebApplication? _app;

    public ManagementServer(ManagementOptions options, IManagementSource source, ILoggerFactory loggers)
    {
        _options = options;
        _source = source;
        _loggers = loggers;
        _log = loggers.CreateLogger("PreDnatAppliance.Management");
    }

    /// <summary>The address actually bound (with the real port when 0 was asked for); null before start.</summary>
    public Uri? Address { get; private set; }

    /// <summary>
    /// Adds an authenticated POST route (call before <see cref="StartAsync"/>). It answers 403 while no admin token is
    /// configured, 401 without the right <c>Authorization: Bearer</c> token, 413 above the size limit.
    /// </summary>
    public void MapAdminPost(string path, AdminHandler handler)
    {
        if (_app is not null)
            throw new InvalidOperationException("admin routes are mapped before the server starts");
        if (!path.StartsWith("/admin/", StringComparison.Ordinal))
            throw new ArgumentException("admin routes live under /admin/", nameof(path));
        _admin.Add((path, handler));
    }

    public async Task StartAsync(CancellationToken cancellation)
    {
        if (!ManagementOptions.TryParseAddress(_options.Address, out var endpoint, out var problem))
            throw new InvalidOperationException($"management:address: {problem}");

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ApplicationName = "prednat-management" });
        builder.Services.AddSingleton(_loggers);
        builder.Services.AddRoutingCore();
        builder.Services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(_ => RateLimitPartition.GetTokenBucketLimiter("all", _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = _options.RequestBurst,
                TokensPerPeriod = _options.RequestsPerSecond,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        });
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = _options.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 16 * 1024;
            k.Limits.MaxRequestHeaderCount = 50;
            k.Limits.MaxRequestLineSize = 4 * 1024;
            k.Limits.MaxConcurrentConnections = 64;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(10);
            k.Listen(endpoint);
        });

        var app = builder.Build();
        app.Use(RejectOversizedBodies);
        app.UseRateLimiter();
        app.UseRouting();
        MapReadOnlyRoutes(app);
        foreach (var (path, handler) in _admin)
            app.MapPost(path, context => RunAdmin(context, handler));

        await app.StartAsync(cancellation).ConfigureAwait(false);
        _app = app;
        var bound = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        Address = bound is null ? null : new Uri(bound.Replace("[::]", "[::1]", StringComparison.Ordinal));
        _log.LogInformation("management endpoint listening on {Address} (admin routes: {Admin})", Address, _admin.Count == 0 ? "none" : string.Join(", ", _admin.Select(a => a.Path)) + (HasToken ? "" : " (disabled: no adminToken)"));
    }

    private bool HasToken => !string.IsNullOrEmpty(_options.AdminToken);

    private void MapReadOnlyRoutes(WebApplication app)
    {
        app.MapGet("/metrics", context =>
        {
            var writer = new PrometheusWriter();
            _source.WriteMetrics(writer);
            context.Response.ContentType = PrometheusWriter.ContentType;
            return context.Response.WriteAsync(writer.ToString(), Encoding.UTF8);
        });
        app.MapGet("/healthz/live", context => WriteHealth(context, _source.Liveness()));
        app.MapGet("/healthz/ready", context => WriteHealth(context, _source.Readiness()));
        app.MapGet("/debug/policy", context => WriteJson(context, StatusCodes.Status200OK, _source.DebugPolicy()));
        app.MapGet("/debug/services", context => WriteJson(context, StatusCodes.Status200OK, _source.DebugServices()));
        app.MapGet("/debug/conntrack", context =>
        {
            var limit = 100;
            if (context.Request.Query.TryGetValue("limit", out var text)
                && (!int.TryParse(text.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit < 1 || limit > _options.MaxConntrackEntries))
                return WriteJson(context, StatusCodes.Status400BadRequest, new { error = $"limit: 1..{_options.MaxConntrackEntries}" });
            return WriteJson(context, StatusCodes.Status200OK, _source.DebugConntrack(limit));
        });
    }

    /// <summary>Declared sizes above the limit are refused before routing; undeclared (chunked) ones fail when read.</summary>
    private Task RejectOversizedBodies(HttpContext context, RequestDelegate next)
    {
        if (context.Request.ContentLength > _options.MaxRequestBodyBytes)
            return WriteJson(context, StatusCodes.Status413PayloadTooLarge, new { error = $"request body larger than {_options.MaxRequestBodyBytes} bytes" });
        return next(context);
    }

    private async Task RunAdmin(HttpContext context, AdminHandler handler)
    {
        if (!HasToken)
        {
            await WriteJson(context, StatusCodes.Status403Forbidden, new { error = "admin routes are disabled: no management:adminToken is configured" });
            return;
        }
        if (!Authorized(context.Request.Headers.Authorization.ToString()))
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await WriteJson(context, StatusCodes.Status401Unauthorized, new { error = "missing or wrong bearer token" });
            return;
        }
        byte[] body;
        try
        {
            using var buffer = new MemoryStream();
            await context.Request.Body.CopyToAsync(buffer, context.RequestAborted);
            body = buffer.ToArray();
        }
        catch (BadHttpRequestException e)
        {
            await WriteJson(context, e.StatusCode, new { error = "request body rejected" });
            return;
        }
        var result = await handler(new AdminRequest(body, context.Request.ContentType), context.RequestAborted);
        await WriteJson(context, result.StatusCode, result.Body);
    }

    /// <summary>Constant-time comparison, so the answer time does not tell how much of a guess was right.</summary>
    private bool Authorized(string header)
    {
        const string scheme = "Bearer ";
        if (!header.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[scheme.Length..].Trim()));
        var expected = SHA256.HashData(Encoding.UTF8.GetBytes(_options.AdminToken!));
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static Task WriteHealth(HttpContext context, HealthStatus status)
    {
        var text = new StringBuilder(status.Healthy ? "ok\n" : "unhealthy\n");
        foreach (var check in status.Checks)
            text.Append(check.Ok ? "[+] " : "[-] ").Append(check.Name).Append(": ").Append(check.Detail).Append('\n');
        context.Response.StatusCode = status.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text.ToString(), Encoding.UTF8);
    }

    private static Task WriteJson(HttpContext context, int status, object body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json), Encoding.UTF8);
    }

    public async Task StopAsync(CancellationToken cancellation)
    {
        if (_app is not null)
            await _app.StopAsync(cancellation).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
            await _app.DisposeAsync().ConfigureAwait(false);
        _app = null;
    }
}
