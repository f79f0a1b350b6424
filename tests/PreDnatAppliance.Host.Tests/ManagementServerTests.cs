using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using PreDnatAppliance.Management;

namespace PreDnatAppliance.Host.Tests;

/// <summary>The management server's own rules, independent of the appliance: exposition format, binding, limits, the admin guard.</summary>
public sealed class ManagementServerTests
{
    private const string Token = "s3cret-token-0123456789";

    [Fact]
    public void Prometheus_text_declares_each_family_once_and_escapes_label_values()
    {
        var w = new PrometheusWriter();
        w.Family("pda_x_total", MetricType.Counter, "Help with a \\ and\na newline.")
            .Sample("pda_x_total", 3UL, ("reason", "a\"b\\c\nd"))
            .Sample("pda_x_total", 0.5);
        Assert.Equal("# HELP pda_x_total Help with a \\\\ and\\na newline.\n# TYPE pda_x_total counter\n" +
                     "pda_x_total{reason=\"a\\\"b\\\\c\\nd\"} 3\npda_x_total 0.5\n", w.ToString());
        Assert.Throws<InvalidOperationException>(() => w.Family("pda_x_total", MetricType.Gauge, "again"));
    }

    [Fact]
    public void The_default_address_is_the_loopback_and_bad_settings_are_named()
    {
        var options = new ManagementOptions();
        Assert.Equal("127.0.0.1:9091", options.Address);
        Assert.True(ManagementOptions.TryParseAddress(options.Address, out var endpoint, out _));
        Assert.True(IPAddress.IsLoopback(endpoint.Address));
        Assert.Empty(options.Validate());
        options.AdminToken = "short";
        options.Address = "example.com:80";
        options.MaxRequestBodyBytes = 10;
        Assert.Equal(new[] { "management:address", "management:adminToken", "management:maxRequestBodyBytes" },
            options.Validate().Select(e => e[..e.IndexOf(": ", StringComparison.Ordinal)]));
    }

    [Fact]
    public async Task The_server_binds_the_loopback_by_default_whatever_ASPNETCORE_URLS_says()
    {
        var saved = Environment.GetEnvironmentVariable("ASPNETCORE_URLS");
        Environment.SetEnvironmentVariable("ASPNETCORE_URLS", "http://0.0.0.0:0");
        await using var server = await Start(new ManagementOptions { Address = ManagementOptions.DefaultAddress.Replace(":9091", ":0", StringComparison.Ordinal) });
        Environment.SetEnvironmentVariable("ASPNETCORE_URLS", saved);
        Assert.Equal("127.0.0.1", server.Address!.Host);
        using var http = new HttpClient();
        Assert.StartsWith("ok", await http.GetStringAsync(new Uri(server.Address, "/healthz/live")), StringComparison.Ordinal);
        Assert.Equal(PrometheusWriter.ContentType, (await http.GetAsync(new Uri(server.Address, "/metrics"))).Content.Headers.ContentType!.ToString());
    }

    [Fact]
    public async Task Admin_routes_are_refused_without_a_configured_token()
    {
        var calls = 0;
        await using var server = await Start(new ManagementOptions { Address = "127.0.0.1:0" }, (_, _) => { calls++; return Task.FromResult(new AdminResult(200, new { })); });
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address!, "/admin/echo")) { Content = new StringContent("{}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything-at-all-0123456789");
        Assert.Equal(HttpStatusCode.Forbidden, (await http.SendAsync(request)).StatusCode);
        Assert.Equal(0, calls);
    }

    [Fact]
    public async Task Admin_routes_need_the_bearer_token_and_respect_the_size_limit()
    {
        byte[]? received = null;
        await using var server = await Start(new ManagementOptions { Address = "127.0.0.1:0", AdminToken = Token, MaxRequestBodyBytes = 4096 },
            (request, _) => { received = request.Body; return Task.FromResult(new AdminResult(202, new { bytes = request.Body.Length })); });
        using var http = new HttpClient();
        async Task<HttpStatusCode> Post(string? token, byte[] body)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server.Address!, "/admin/echo")) { Content = new ByteArrayContent(body) };
            request.Headers.ExpectContinue = true;
            if (token is not null)
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await Post(null, Encoding.UTF8.GetBytes("x")));
        Assert.Equal(HttpStatusCode.Unauthorized, await Post(Token + "x", Encoding.UTF8.GetBytes("x")));
        Assert.Null(received);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, await Post(Token, new byte[8192]));
        Assert.Null(received);
        Assert.Equal(HttpStatusCode.Accepted, await Post(Token, Encoding.UTF8.GetBytes("policy")));
        Assert.Equal("policy", Encoding.UTF8.GetString(received!));
    }

    [Fact]
    public async Task Requests_beyond_the_rate_limit_get_429()
    {
        await using var server = await Start(new ManagementOptions { Address = "127.0.0.1:0", RequestsPerSecond = 1, RequestBurst = 3 });
        using var http = new HttpClient();
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 6; i++)
            codes.Add((await http.GetAsync(new Uri(server.Address!, "/healthz/ready"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, codes[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, codes);
    }

    private static async Task<ManagementServer> Start(ManagementOptions options, AdminHandler? admin = null)
    {
        var server = new ManagementServer(options, new FixedSource(), NullLoggerFactory.Instance);
        if (admin is not null)
            server.MapAdminPost("/admin/echo", admin);
        await server.StartAsync(CancellationToken.None);
        return server;
    }

    /// <summary>Fixed answers: these tests are about the server, not about what it serves.</summary>
    private sealed class FixedSource : IManagementSource
    {
        public void WriteMetrics(PrometheusWriter writer) => writer.Family("pda_up", MetricType.Gauge, "up").Sample("pda_up", 1);
        public HealthStatus Liveness() => HealthStatus.Of(new HealthCheck("test", true, "fixed"));
        public HealthStatus Readiness() => HealthStatus.Of(new HealthCheck("test", true, "fixed"));
        public object DebugPolicy() => new { };
        public object DebugConntrack(int limit) => new { limit };
        public object DebugServices() => new { };
    }
}
