using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using PreDnatAppliance.Classification;
using PreDnatAppliance.Cli;

namespace PreDnatAppliance.Redeploy;

/// <summary>
/// A policy package's assembly loaded in its own collectible load context, which holds only the generated policy
/// assembly: the classification contract and everything else resolve from the default context, so the appliance and
/// the policy share one <see cref="IPolicyClassifier"/> type. <see cref="Unload"/> lets the context go once nothing
/// refers to the policy any more (after the appliance retired it).
/// </summary>
public sealed class LoadedPolicyPackage
{
    private PolicyLoadContext? _context;

    private LoadedPolicyPackage(PolicyPackage package, PolicyLoadContext context, ICompiledPolicy policy)
    {
        Package = package;
        _context = context;
        Policy = policy;
    }

    public PolicyPackage Package { get; }
    public ICompiledPolicy Policy { get; }

    /// <summary>Loads the package's assembly and checks that it was built from the package's policy (content hash).</summary>
    public static LoadedPolicyPackage Load(PolicyPackage package)
    {
        var context = new PolicyLoadContext(package.ContentHash);
        try
        {
            // From a stream: the file stays free, and two packages of one assembly name never meet in a path cache.
            using var stream = File.OpenRead(package.AssemblyPath);
            var policy = PolicyAssemblies.Instantiate(context.LoadFromStream(stream));
            if (policy.BuildInfo.ContentHash != package.ContentHash)
                throw new InvalidDataException($"{package.AssemblyPath} was built from {policy.BuildInfo.ContentHash}, not the package's {package.ContentHash}");
            return new LoadedPolicyPackage(package, context, policy);
        }
        catch
        {
            context.Unload();
            throw;
        }
    }

    /// <summary>
    /// Starts unloading the context; it is collected when the last reference to the policy's objects is gone. Returns a
    /// weak reference to the context, so a caller can see that it went.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference Unload()
    {
        var context = _context ?? throw new InvalidOperationException("already unloaded");
        _context = null;
        var weak = new WeakReference(context);
        context.Unload();
        return weak;
    }

    private sealed class PolicyLoadContext : AssemblyLoadContext
    {
        public PolicyLoadContext(string contentHash)
            : base("policy:" + contentHash, isCollectible: true)
        {
        }

        /// <summary>Only the policy assembly lives here; its references come from the default context.</summary>
        protected override Assembly? Load(AssemblyName assemblyName) => null;
    }
}
