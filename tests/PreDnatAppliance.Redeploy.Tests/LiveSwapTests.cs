using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using PreDnatAppliance.Cli;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary>
/// The live swap end to end: <c>prednat run</c> (its embedded demo: net_pcap ports replaying their traffic forever) in a
/// child process, then <c>prednat redeploy</c> to a policy that denies the demo's NodePort client 203.0.113.5, which
/// policies/ allows. From the swap on, that client's new connection attempts (its SYNs, which the pipeline evaluates
/// even on a tracked flow) are denied, while its tracked flows' packets keep reaching the local backend and the rest of
/// the traffic keeps flowing; at the end every received packet was sent or dropped once and every mbuf came back.
/// </summary>
[Collection(PolicyPackagesCollection.Name)]
public sealed partial class LiveSwapTests
{
    private const string Eth0Rx = "pda_port_rx_packets_total{port=\"eth0\"}";
    private const string PodsTx = "pda_port_tx_packets_total{port=\"pods\"}";
    private const string KernelTx = "pda_port_tx_packets_total{port=\"kernel\"}";
    private const string PreDnatDeny = "pda_drops_total{reason=\"prednat-deny\"}";

    private readonly PolicyPackagesFixture _fixture;
    private readonly ITestOutputHelper _output;

    public LiveSwapTests(PolicyPackagesFixture fixture, ITestOutputHelper output)
    {
        _fixture = fixture;
        _output = output;
    }

    [Fact]
    public async Task A_redeploy_denies_a_client_from_the_swap_on_while_traffic_keeps_flowing_and_nothing_is_lost()
    {
        var package = _fixture.Package(_fixture.ClientDenied); // built before the appliance starts: the run is time-limited
        var token = "redeploy-test-" + Guid.NewGuid().ToString("N");
        var tokenFile = Path.Combine(_fixture.Root, "live-token");
        File.WriteAllText(tokenFile, token);
        var port = FreePort();
        var prednat = Path.Combine(AppContext.BaseDirectory, "prednat.dll");
        using var run = new ChildProcess("dotnet", new[]
        {
            prednat, "run", "--duration", "30", "--run:liveView=false",
            $"--management:address=127.0.0.1:{port}", $"--management:adminToken={token}",
        }, "prednat run");
        run.WaitForLine(l => l.Contains("appliance running:", StringComparison.Ordinal), TimeSpan.FromSeconds(60), what: "'appliance running'");
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };

        var before0 = await PrometheusText.ScrapeAsync(client);
        await Task.Delay(1000);
        var before1 = await PrometheusText.ScrapeAsync(client);

        // A package whose classifiers do not match its own policy YAML: the appliance's self-test refuses it, nothing changes.
        var forged = ForgedPackage(package);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/admin/policy") { Content = JsonContent.Create(new { package = forged }) })
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var refused = await client.SendAsync(request);
            var body = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.UnprocessableEntity, body);
            Assert.Contains("\"swapped\": false", body);
            Assert.Contains("self-test", body);
        }

        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CommandDispatcher.Run(new[] { "redeploy", "--policy-dir", _fixture.ClientDenied, "--management", client.BaseAddress!.ToString(), "--token-file", tokenFile, "--packages", _fixture.PackageRoot }, output, error);
        _output.WriteLine(output.ToString());
        Assert.True(exit == 0, $"redeploy exit {exit}\n{output}\n{error}\n{run.Output}");

        var answer = JsonDocument.Parse(output.ToString()[output.ToString().IndexOf('{')..]).RootElement;
        Assert.True(answer.GetProperty("swapped").GetBoolean());
        Assert.Equal(2, answer.GetProperty("generation").GetInt64());
        Assert.Equal(package.ContentHash, answer.GetProperty("newContentHash").GetString());
        Assert.True(answer.GetProperty("retired").GetBoolean(), "the old policy did not retire");
        Assert.True(answer.GetProperty("windowReceived").GetUInt64() > 0, "no traffic during the swap window");

        var after0 = await PrometheusText.ScrapeAsync(client);
        await Task.Delay(1000);
        var after1 = await PrometheusText.ScrapeAsync(client);

        double Ratio(PrometheusText a, PrometheusText b, string sample) => (b[sample] - a[sample]) / (b[Eth0Rx] - a[Eth0Rx]);
        var deniedBefore = Ratio(before0, before1, PreDnatDeny);
        var deniedAfter = Ratio(after0, after1, PreDnatDeny);
        var backendBefore = Ratio(before0, before1, PodsTx);
        var backendAfter = Ratio(after0, after1, PodsTx);
        var puntedAfter = Ratio(after0, after1, KernelTx);
        _output.WriteLine($"per eth0 packet: prednat-deny {deniedBefore:F3} -> {deniedAfter:F3}, to the local backend {backendBefore:F3} -> {backendAfter:F3}, punted after {puntedAfter:F3}");

        // eth0 replays 19 frames a loop: before, 2 of them are denied (198.51.100.66); after, the client's 8 SYNs too.
        Assert.InRange(deniedBefore, 1.5 / 19, 2.5 / 19);
        Assert.InRange(deniedAfter, 9.5 / 19, 10.5 / 19);
        // The client's tracked flows keep reaching the local backend (their ACKs; the SYNs no more), SSH keeps being punted.
        Assert.True(backendAfter > 0 && backendAfter < backendBefore, $"to the local backend: {backendBefore} -> {backendAfter}");
        Assert.True(puntedAfter > 0);

        Assert.True(run.WaitForExit(TimeSpan.FromSeconds(90)), "prednat run did not stop after its duration");
        Assert.True(run.ExitCode == 0, run.Output);
        var summary = SummaryLine().Match(run.Output);
        Assert.True(summary.Success, run.Output);
        var (rx, tx, dropped) = (ulong.Parse(summary.Groups[1].Value), ulong.Parse(summary.Groups[2].Value), ulong.Parse(summary.Groups[3].Value));
        Assert.Equal(rx, tx + dropped); // punted packets are the kernel port's TX
        Assert.Equal("0", summary.Groups[4].Value);
        Assert.Matches(@"mempool: (\d+) of \1 mbufs back after close", run.Output);
        Assert.Contains($"policy generation 2: ", run.Output);
        Assert.Contains($"policy {PolicyHash(run.Output)} retired; its load context is unloading", run.Output);
    }

    /// <summary>A copy of <paramref name="package"/> with the YAML of policies/ in place of its own (the assembly still matches the manifest).</summary>
    private string ForgedPackage(PolicyPackage package)
    {
        var forged = Path.Combine(_fixture.Root, "forged-package");
        if (Directory.Exists(forged))
            Directory.Delete(forged, recursive: true);
        Directory.CreateDirectory(Path.Combine(forged, package.PolicyDirectory));
        File.Copy(Path.Combine(package.Directory, PolicyPackage.ManifestFile), Path.Combine(forged, PolicyPackage.ManifestFile));
        File.Copy(package.AssemblyPath, Path.Combine(forged, package.Assembly));
        foreach (var file in Directory.GetFiles(PolicyPackagesFixture.RepositoryPolicies))
            File.Copy(file, Path.Combine(forged, package.PolicyDirectory, Path.GetFileName(file)));
        return forged;
    }

    private static string PolicyHash(string output) => Regex.Match(output, @"policy generation 2: (sha256:[0-9a-f]+) ->").Groups[1].Value;

    [GeneratedRegex(@"summary: rx (\d+)\s+tx (\d+)\s+dropped (\d+)\s+unaccounted (-?\d+)")]
    private static partial Regex SummaryLine();

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
