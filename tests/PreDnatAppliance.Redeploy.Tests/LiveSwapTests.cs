using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using PreDnatAppliance.Cli;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using PreDnatAppliance.Hosting.Demo;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Services;
using Xunit.Abstractions;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary>
/// The live swap end to end: <c>prednat run</c> (its embedded demo: net_pcap ports replaying their traffic forever) in a
/// child process, then <c>prednat redeploy</c> to a policy that denies the demo's NodePort client 203.0.113.5, which
/// policies/ allows. From the swap on, that client's new connection attempts (its SYNs, which the pipeline evaluates
/// again on an established flow) are denied, while its tracked flows' packets keep flowing and so does the rest of the
/// traffic; at the end every received packet was sent or dropped once and every mbuf came back. A package whose
/// classifiers do not match its YAML is refused by the appliance's own self-test first.
/// </summary>
[Collection(PolicyPackagesCollection.Name)]
public sealed partial class LiveSwapTests
{
    private const string Eth0Rx = "pda_port_rx_packets_total{port=\"eth0\"}";
    private const string PodsTx = "pda_port_tx_packets_total{port=\"pods\"}";
    private const string Eth1Tx = "pda_port_tx_packets_total{port=\"eth1\"}";
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
        // Built before the appliance starts: the run is time-limited.
        var package = _fixture.Package(_fixture.ClientDenied);
        var original = _fixture.Package(PolicyPackagesFixture.RepositoryPolicies);
        var token = "redeploy-test-" + Guid.NewGuid().ToString("N");
        var tokenFile = Path.Combine(_fixture.Root, "live-token");
        File.WriteAllText(tokenFile, token);
        var port = FreePort();
        var prednat = Path.Combine(AppContext.BaseDirectory, "prednat.dll");
        using var run = new ChildProcess("dotnet", new[]
        {
            prednat, "run", "--duration", "40", "--run:liveView=false",
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
        Assert.Equal(1, after0[$"pda_policy_info{{content_hash=\"{package.ContentHash}\",built_at=\"{package.BuiltAt.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}\",programs=\"14\",rules=\"32\"}}"]);
        await Task.Delay(1000);
        var after1 = await PrometheusText.ScrapeAsync(client);

        // Per eth0 frame of the demo's loop. Each of the client's connections goes to the backend Maglev picks (`local` of
        // them to the local pod, out of the pods port, the others to node2, out of eth1), which answers: the flow is
        // established, and a replayed SYN on it is a new connection attempt, evaluated again; its ACKs are tracked.
        var demo = DemoTraffic.Build(ApplianceConfiguration.Default(), ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), ApplianceConfiguration.DefaultServicesResourceName));
        double frames = demo["eth0"].Count, connections = DemoTraffic.WebClients, local = demo["pods"].Count, remote = connections - local;
        double PerFrame(PrometheusText a, PrometheusText b, string sample) => (b[sample] - a[sample]) / (b[Eth0Rx] - a[Eth0Rx]) * frames;
        var deniedBefore = PerFrame(before0, before1, PreDnatDeny);
        var deniedAfter = PerFrame(after0, after1, PreDnatDeny);
        var localBefore = PerFrame(before0, before1, PodsTx);
        var localAfter = PerFrame(after0, after1, PodsTx);
        var remoteBefore = PerFrame(before0, before1, Eth1Tx);
        var remoteAfter = PerFrame(after0, after1, Eth1Tx);
        var puntedBefore = PerFrame(before0, before1, KernelTx);
        var puntedAfter = PerFrame(after0, after1, KernelTx);
        _output.WriteLine($"per loop of {frames} eth0 frames ({local} connections to the local pod, {remote} to node2): prednat-deny {deniedBefore:F2} -> {deniedAfter:F2}, " +
            $"to the local pod {localBefore:F2} -> {localAfter:F2}, to node2 {remoteBefore:F2} -> {remoteAfter:F2}, punted {puntedBefore:F2} -> {puntedAfter:F2}");

        // Before: the two packets of 198.51.100.66 are denied. After: also the client's new connection attempts (SYNs).
        Assert.InRange(deniedBefore, 1.5, 2.5);
        Assert.InRange(deniedAfter, 2 + connections - 0.5, 2 + connections + 0.5);
        // Its established flows keep reaching their backends (the ACKs, no more the SYNs); the SSH punts (failsafe) go on.
        Assert.InRange(localBefore, 2 * local - 0.5, 2 * local + 0.5);
        Assert.InRange(localAfter, local - 0.5, local + 0.5);
        Assert.InRange(remoteBefore, 2 * remote - 0.5, 2 * remote + 1);
        Assert.InRange(remoteAfter, remote - 0.5, remote + 1);
        Assert.InRange(puntedAfter, puntedBefore - 0.5, puntedBefore + 0.5);
        Assert.True(local > 0 && remote > 0 && puntedAfter > 0.5);

        // And back: the client is allowed again, and the denying package's context is unloaded once it retired.
        var back = new StringWriter();
        exit = CommandDispatcher.Run(new[] { "redeploy", "--policy-dir", PolicyPackagesFixture.RepositoryPolicies, "--management", client.BaseAddress!.ToString(), "--token-file", tokenFile, "--packages", _fixture.PackageRoot }, back, error);
        Assert.True(exit == 0, $"redeploy back: exit {exit}\n{back}\n{error}");
        Assert.Contains("\"generation\": 3", back.ToString());
        Assert.Contains(original.ContentHash, back.ToString());
        var again0 = await PrometheusText.ScrapeAsync(client);
        await Task.Delay(1000);
        var again1 = await PrometheusText.ScrapeAsync(client);
        Assert.InRange(PerFrame(again0, again1, PreDnatDeny), 1.5, 2.5);
        Assert.InRange(PerFrame(again0, again1, PodsTx), 2 * local - 0.5, 2 * local + 0.5);
        Assert.InRange(PerFrame(again0, again1, Eth1Tx), 2 * remote - 0.5, 2 * remote + 1);
        // The swap handler's collections unload the denying package's context (nobody else collects in the appliance).
        var retiredLoaded = again1["pda_policy_retired_contexts_loaded"];
        for (var i = 0; i < 20 && retiredLoaded > 0; i++)
        {
            await Task.Delay(250);
            retiredLoaded = (await PrometheusText.ScrapeAsync(client))["pda_policy_retired_contexts_loaded"];
        }
        Assert.Equal(0, retiredLoaded);

        Assert.True(run.WaitForExit(TimeSpan.FromSeconds(90)), "prednat run did not stop after its duration");
        Assert.True(run.ExitCode == 0, run.Output);
        var summary = SummaryLine().Match(run.Output);
        Assert.True(summary.Success, run.Output);
        var (rx, tx, dropped) = (ulong.Parse(summary.Groups[1].Value), ulong.Parse(summary.Groups[2].Value), ulong.Parse(summary.Groups[3].Value));
        Assert.Equal(rx, tx + dropped); // punted packets are the kernel port's TX
        Assert.Equal("0", summary.Groups[4].Value);
        Assert.Matches(@"mempool: (\d+) of \1 mbufs back after close", run.Output);
        Assert.Contains($"policy generation 2: {original.ContentHash} -> {package.ContentHash}", run.Output);
        Assert.Contains($"policy generation 3: {package.ContentHash} -> {original.ContentHash}", run.Output);
        Assert.Contains($"policy {package.ContentHash} retired; its load context is unloading", run.Output);
        Assert.Contains($"policy {package.ContentHash}: load context unloaded after", run.Output);
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
