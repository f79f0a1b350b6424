using System.Net;
using System.Net.Sockets;
using PreDnatAppliance.Cli;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary><c>prednat redeploy</c> in-process: what it refuses (nothing reaches the appliance) and its exit codes.</summary>
[Collection(PolicyPackagesCollection.Name)]
public sealed class RedeployCommandTests : IDisposable
{
    private readonly PolicyPackagesFixture _fixture;
    private readonly TcpListener _appliance = new(IPAddress.Loopback, 0);
    private readonly string _tokenFile;

    public RedeployCommandTests(PolicyPackagesFixture fixture)
    {
        _fixture = fixture;
        _appliance.Start();
        _tokenFile = Path.Combine(fixture.Root, $"token-{Guid.NewGuid():N}");
        File.WriteAllText(_tokenFile, "test-token\n");
    }

    private string Management => $"http://127.0.0.1:{((IPEndPoint)_appliance.LocalEndpoint).Port}";

    private (int Exit, string Output, string Error) Redeploy(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CommandDispatcher.Run(new[] { "redeploy" }.Concat(args).ToArray(), output, error);
        return (exit, output.ToString(), error.ToString());
    }

    [Fact]
    public void A_policy_with_a_YAML_error_is_refused_with_its_diagnostics_and_nothing_is_posted()
    {
        var (exit, output, error) = Redeploy("--policy-dir", _fixture.Broken, "--management", Management, "--token-file", _tokenFile, "--packages", _fixture.PackageRoot);

        Assert.Equal(1, exit);
        Assert.Matches(@"nodeport-protection\.yaml\(\d+,\d+\): error PDA1003: .*order", error);
        Assert.Matches(@"nodeport-protection\.yaml\(\d+,\d+\): error PDA1002: .*bogus", error);
        Assert.Contains("redeploy refused at check: 2 error(s)", error);
        Assert.DoesNotContain("build", output);
        Assert.False(_appliance.Pending(), "redeploy connected to the appliance after a failed check");
        var packages = Directory.Exists(_fixture.PackageRoot) ? Directory.GetFiles(_fixture.PackageRoot, "package.json", SearchOption.AllDirectories) : Array.Empty<string>();
        Assert.DoesNotContain(packages, manifest => File.ReadAllText(manifest).Contains(_fixture.Broken, StringComparison.Ordinal));
    }

    [Fact]
    public void A_dry_run_checks_builds_and_self_tests_without_posting()
    {
        var (exit, output, error) = Redeploy("--policy-dir", _fixture.ClientDenied, "--packages", _fixture.PackageRoot, "--dry-run");

        Assert.True(exit == 0, error);
        Assert.Matches(@"check     ok: 14 programs, 32 rules", output);
        Assert.Contains("build     ok: " + _fixture.Package(_fixture.ClientDenied).Directory, output);
        Assert.Matches(@"self-test ok: 14 programs, [\d,]+ packet checks", output);
        Assert.Contains("dry run: not posted", output);
        Assert.False(_appliance.Pending());
    }

    [Fact]
    public void An_unreachable_appliance_is_exit_2_and_a_missing_token_a_usage_error()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();

        var (exit, _, error) = Redeploy("--policy-dir", _fixture.ClientDenied, "--management", $"http://127.0.0.1:{port}", "--token-file", _tokenFile, "--packages", _fixture.PackageRoot);
        Assert.Equal(2, exit);
        Assert.Contains("cannot reach the appliance", error);

        var saved = Environment.GetEnvironmentVariable(RedeployCommand.TokenVariable);
        Environment.SetEnvironmentVariable(RedeployCommand.TokenVariable, null);
        try
        {
            (exit, _, error) = Redeploy("--policy-dir", _fixture.ClientDenied, "--management", Management);
        }
        finally
        {
            Environment.SetEnvironmentVariable(RedeployCommand.TokenVariable, saved);
        }
        Assert.Equal(2, exit);
        Assert.Contains("management token is needed", error);
        Assert.False(_appliance.Pending());
    }

    public void Dispose() => _appliance.Stop();
}
