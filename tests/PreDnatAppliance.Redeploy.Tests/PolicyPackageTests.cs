using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using PreDnatAppliance.Classification;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary>Policy packages: built once per content, the assembly in a collectible context of its own that really unloads.</summary>
[Collection(PolicyPackagesCollection.Name)]
public sealed class PolicyPackageTests
{
    private readonly PolicyPackagesFixture _fixture;

    public PolicyPackageTests(PolicyPackagesFixture fixture) => _fixture = fixture;

    [Fact]
    public void A_package_is_named_by_its_content_and_built_once()
    {
        var directory = _fixture.ClientDenied;
        var package = _fixture.Package(directory);
        var again = PolicyPackageBuilder.Build(directory, _fixture.PackageRoot);

        Assert.Equal(PolicyContentHash.Of(directory), package.ContentHash);
        Assert.NotEqual(PolicyContentHash.Of(PolicyPackagesFixture.RepositoryPolicies), package.ContentHash);
        Assert.StartsWith(package.ContentHash["sha256:".Length..][..12], Path.GetFileName(package.Directory));
        Assert.Equal(package.Directory, again.Directory);
        Assert.Equal(package.BuiltAt, again.BuiltAt);
        Assert.Equal(PolicyContentHash.Of(directory), PolicyContentHash.Of(package.PolicyPath));
    }

    [Fact]
    public void The_load_context_holds_only_the_policy_assembly_and_unloads()
    {
        var package = _fixture.Package(_fixture.ClientDenied);
        var context = LoadClassifyAndUnload(package);

        for (var i = 0; context.IsAlive && i < 50; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.False(context.IsAlive, "the policy's load context was not collected after Unload");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference LoadClassifyAndUnload(Redeploy.PolicyPackage package)
    {
        var loaded = LoadedPolicyPackage.Load(package);
        var policy = loaded.Policy;
        var context = AssemblyLoadContext.GetLoadContext(policy.GetType().Assembly)!;
        Assert.True(context.IsCollectible);
        Assert.NotSame(AssemblyLoadContext.Default, context);
        Assert.Single(context.Assemblies);
        // The contract is the appliance's own: the policy's classifiers are IPolicyClassifier of the default context.
        Assert.Same(AssemblyLoadContext.Default, AssemblyLoadContext.GetLoadContext(typeof(IPolicyClassifier).Assembly));
        Assert.Equal(package.ContentHash, policy.BuildInfo.ContentHash);
        Assert.Contains(policy.Rules, r => r.Owner == "deny-blocked-client");

        var batch = new HeaderBatch { Count = 2 };
        batch.SetV4(0, 0xcb007105, 0xc000020a, 6, 40000, 30080); // 203.0.113.5 -> 192.0.2.10:30080, the denied client
        batch.SetV4(1, 0xcb007106, 0xc000020a, 6, 40000, 30080); // 203.0.113.6, still allowed
        var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var rules = new uint[HeaderBatch.Capacity];
        policy.Find("hep/node1-eth0/prednat/ingress")!.Classify(batch, verdicts, rules);
        Assert.Equal(PolicyVerdict.Deny, verdicts[0]);
        Assert.Equal("deny-blocked-client", policy.Rules[(int)rules[0]].Owner);
        Assert.Equal(PolicyVerdict.Allow, verdicts[1]);

        var weak = new WeakReference(context);
        loaded.Unload();
        return weak;
    }

    [Fact]
    public void A_package_whose_assembly_was_built_from_other_policy_is_refused_at_load()
    {
        var package = _fixture.Package(_fixture.ClientDenied);
        var forged = package with { ContentHash = PolicyContentHash.Of(PolicyPackagesFixture.RepositoryPolicies) };

        var error = Assert.Throws<InvalidDataException>(() => LoadedPolicyPackage.Load(forged));
        Assert.Contains("was built from " + package.ContentHash, error.Message);
    }
}
