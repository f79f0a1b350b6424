using System.Reflection;
using PreDnatAppliance.Redeploy;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary>
/// Policy directories derived from the repository's policies/ and one package root beside the test assembly, so each
/// policy is built once per build output (the first build compiles the policy assembly's dependencies, later ones only
/// the policy; a later run finds the packages by content).
/// </summary>
public sealed class PolicyPackagesFixture : IDisposable
{
    public PolicyPackagesFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), $"prednat-redeploy-tests-{Environment.ProcessId}");
        PackageRoot = Path.Combine(AppContext.BaseDirectory, "policy-packages");
        Directory.CreateDirectory(Root);
    }

    public string Root { get; }
    public string PackageRoot { get; }

    public static string Repository =>
        typeof(PolicyPackagesFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value!;

    public static string RepositoryPolicies => Path.Combine(Repository, "policies");

    /// <summary>A copy of policies/ named <paramref name="name"/>, with <paramref name="edit"/> applied to nodeport-protection.yaml.</summary>
    public string PolicyVariant(string name, Func<string, string> edit)
    {
        var directory = Path.Combine(Root, name, "policies");
        if (Directory.Exists(directory))
            return directory;
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.GetFiles(RepositoryPolicies))
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        var protection = Path.Combine(directory, "nodeport-protection.yaml");
        var text = File.ReadAllText(protection);
        var edited = edit(text);
        Assert.NotEqual(text, edited);
        File.WriteAllText(protection, edited);
        return directory;
    }

    /// <summary>The cluster-internal sources (10.240.0.0/16, 192.168.0.0/16) denied instead of allowed: same programs and RuleIds, other verdicts.</summary>
    public string InternalDenied => PolicyVariant("internal-denied", text => text.Replace(
        "  name: allow-cluster-internal-ingress\nspec:\n  order: 10\n  preDNAT: true\n  applyOnForward: true          # mandatory with preDNAT\n  selector: has(host-endpoint)\n  ingress:\n    - action: Allow",
        "  name: allow-cluster-internal-ingress\nspec:\n  order: 10\n  preDNAT: true\n  applyOnForward: true          # mandatory with preDNAT\n  selector: has(host-endpoint)\n  ingress:\n    - action: Deny", StringComparison.Ordinal));

    /// <summary>A pre-DNAT Deny for one client (203.0.113.5) that policies/ lets reach the NodePort.</summary>
    public string ClientDenied => PolicyVariant("client-denied", text => text + """
        ---
        apiVersion: projectcalico.org/v3
        kind: GlobalNetworkPolicy
        metadata:
          name: deny-blocked-client
        spec:
          order: 5
          preDNAT: true
          applyOnForward: true
          selector: has(host-endpoint)
          ingress:
            - action: Deny
              source:
                nets: [203.0.113.5/32]

        """);

    /// <summary>A YAML error: an order that is not a number and an unknown field.</summary>
    public string Broken => PolicyVariant("broken", text => text + "---\napiVersion: projectcalico.org/v3\nkind: GlobalNetworkPolicy\nmetadata:\n  name: broken\nspec:\n  order: five\n  bogus: 1\n");

    private readonly Dictionary<string, PolicyPackage> _built = new(StringComparer.Ordinal);

    public PolicyPackage Package(string policyDirectory)
    {
        lock (_built)
        {
            if (!_built.TryGetValue(policyDirectory, out var package))
                _built[policyDirectory] = package = PolicyPackageBuilder.Build(policyDirectory, PackageRoot);
            return package;
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A package still mapped by a test host thread; the temp directory is cleaned by the OS.
        }
    }
}

[CollectionDefinition(Name)]
public sealed class PolicyPackagesCollection : ICollectionFixture<PolicyPackagesFixture>
{
    public const string Name = "policy packages";
}
