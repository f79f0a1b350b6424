using PreDnatAppliance.Cli;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Runtime;
using PreDnatAppliance.Pipeline.Services;
using PreDnatAppliance.Policy;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary>
/// A retired policy's load context goes away by itself: the swap handler runs the background collections that an
/// appliance which hardly allocates would otherwise not run for a long time, and says when each context unloaded. The
/// test itself never collects.
/// </summary>
[Collection(PolicyPackagesCollection.Name)]
public sealed class ContextUnloadTests
{
    private readonly PolicyPackagesFixture _fixture;

    public ContextUnloadTests(PolicyPackagesFixture fixture) => _fixture = fixture;

    [Fact]
    public void Retired_policies_unload_without_the_caller_collecting()
    {
        var configuration = ApplianceConfiguration.Default();
        var node = configuration.Node.Name;
        using var runtime = ApplianceRuntime.Create(configuration, PolicyAssemblies.BuiltIn(),
            PolicyProject.Compile(PolicyProject.Load(PolicyPackagesFixture.RepositoryPolicies), node),
            ServiceYamlLoader.Load(ApplianceConfiguration.DefaultServicesYaml(), "services.yaml"),
            new RuntimeOptions { TicksPerSecond = 1_000_000_000 });
        var log = new StringWriter();
        using var handler = new PolicySwapHandler(runtime, () => default, TextWriter.Synchronized(log));

        // Built-in → client-denied → internal-denied → client-denied: the second and third swaps retire packaged policies.
        var clientDenied = _fixture.Package(_fixture.ClientDenied);
        var internalDenied = _fixture.Package(_fixture.InternalDenied);
        foreach (var package in new[] { clientDenied, internalDenied, clientDenied })
        {
            var (status, response) = handler.Handle(new RedeployRequest(package.Directory));
            Assert.True(status == 200, $"{status}: {response.Reason}");
            Assert.True(response.Retired, "the old policy was not retired (no worker holds it here)");
        }

        // Two contexts retired; the handler's collections (one per half second) unload them and say so.
        int Unloaded() => log.ToString().Split('\n').Count(l => l.Contains("load context unloaded after", StringComparison.Ordinal));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while ((handler.ContextsUnloading > 0 || Unloaded() < 2) && DateTime.UtcNow < deadline)
            Thread.Sleep(100);
        var text = log.ToString();
        Assert.True(handler.ContextsUnloading == 0, $"{handler.ContextsUnloading} retired context(s) still loaded after 30 s:\n{text}");
        Assert.True(Unloaded() == 2, text);
        Assert.DoesNotContain("something holds the retired policy", text);
    }
}
