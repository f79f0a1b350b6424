using PreDnatAppliance.Cli;
using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Programs;
using PreDnatAppliance.PolicySelfTest;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary>The budgeted self-test redeploy runs: it passes the right classifiers and names the program and packet of a wrong one.</summary>
[Collection(PolicyPackagesCollection.Name)]
public sealed class SelfTestTests
{
    private readonly PolicyPackagesFixture _fixture;

    public SelfTestTests(PolicyPackagesFixture fixture) => _fixture = fixture;

    private static CompiledPolicySet Compile(string directory) => PolicyProject.Compile(PolicyProject.Load(directory));

    [Fact]
    public void The_built_in_policy_assembly_passes_against_its_policy_directory()
    {
        var compiled = Compile(PolicyPackagesFixture.RepositoryPolicies);
        var report = SelfTest.Run(PolicyAssemblies.BuiltIn(), compiled, SelfTestBudget.Redeploy);

        Assert.True(report.Passed, report.Summary);
        Assert.Equal(compiled.Programs.Count, report.Programs);
        // Every program on three paths (Classify, the other vector width, scalar): corners plus the random packets.
        Assert.True(report.PacketChecks >= 3L * (report.CornerPackets + compiled.Programs.Count * SelfTestBudget.Redeploy.RandomPacketsPerProgram), report.Summary);
    }

    [Fact]
    public void Classifiers_of_another_policy_are_refused_with_the_program_and_packet_that_disagree()
    {
        // Same programs and RuleIds, but the cluster-internal sources are denied: only packets tell the difference.
        using var loaded = new Loaded(_fixture.Package(_fixture.InternalDenied));
        var report = SelfTest.Run(loaded.Policy, Compile(PolicyPackagesFixture.RepositoryPolicies), SelfTestBudget.Redeploy);

        Assert.False(report.Passed);
        Assert.Contains("hep/node1-eth0/prednat/ingress", report.FailedPrograms);
        Assert.DoesNotContain("hep/node1-eth0/host/egress", report.FailedPrograms);
        var problem = report.Problems.First(p => p.Contains("hep/node1-eth0/prednat/ingress", StringComparison.Ordinal));
        Assert.Contains("disagrees with the reference evaluator", problem);
        Assert.Matches(@"packet: \S+ (10\.24[01]\.|192\.168\.|10\.239\.|192\.167\.|192\.169\.)", problem);
        Assert.Contains("expected Allow", problem);
        Assert.Contains("got Deny", problem);

        // The same classifiers pass against the directory they were built from.
        Assert.True(SelfTest.Run(loaded.Policy, Compile(_fixture.InternalDenied), SelfTestBudget.Quick).Passed);
    }

    [Fact]
    public void A_policy_assembly_without_a_rule_of_the_directory_is_refused()
    {
        var report = SelfTest.Run(PolicyAssemblies.BuiltIn(), Compile(_fixture.ClientDenied), SelfTestBudget.Quick);

        Assert.False(report.Passed);
        Assert.Contains(report.Problems, p => p.Contains("has no rule", StringComparison.Ordinal) && p.Contains("deny-blocked-client", StringComparison.Ordinal));
        Assert.Contains("hep/node1-eth0/prednat/ingress", report.FailedPrograms);
    }

    [Fact]
    public void Corner_packets_sit_on_and_just_outside_every_edge_of_a_rule()
    {
        var program = Compile(PolicyPackagesFixture.RepositoryPolicies).Programs.Single(p => p.Key == "hep/node1-eth0/prednat/ingress");
        var corners = CornerPackets.For(program).ToList();
        var sources = corners.Select(p => p.Source.ToString()).ToHashSet();
        var ports = corners.Select(p => p.DestinationPort).ToHashSet();

        Assert.Superset(new HashSet<string> { "10.240.0.0", "10.240.255.255", "10.239.255.255", "10.241.0.0", "192.168.0.0", "192.168.255.255" }, sources);
        Assert.Superset(new HashSet<ushort> { 30079, 30080, 30081 }, ports);
        Assert.Contains(corners, p => p.IpVersion == 6);
    }

    /// <summary>A package loaded for one test and unloaded after it.</summary>
    private sealed class Loaded : IDisposable
    {
        private readonly LoadedPolicyPackage _package;

        public Loaded(PolicyPackage package) => _package = LoadedPolicyPackage.Load(package);

        public Classification.ICompiledPolicy Policy => _package.Policy;

        public void Dispose() => _package.Unload();
    }
}
