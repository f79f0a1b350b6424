using PreDnatAppliance.Tests.Shared;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using PreDnatAppliance.Classification;
using PreDnatAppliance.PolicySelfTest;
using PreDnatAppliance.Generator.Tests.Infrastructure;
using PreDnatAppliance.Policy;
using PreDnatAppliance.Policy.Evaluation;

namespace PreDnatAppliance.Generator.Tests;

/// <summary>
/// Smoke test of the real build: src/PreDnatAppliance.Policies, compiled by MSBuild with the generator as an
/// analyzer, exposes ICompiledPolicy through its assembly attribute, with a classifier for every program of the
/// repository's policies/ that gives the reference evaluator's answers.
/// </summary>
public sealed class PolicyAssemblyTests
{
    private static readonly Assembly PolicyAssembly = Assembly.Load("PreDnatAppliance.Policies");

    private static ICompiledPolicy Load() => GeneratorHarness.Instantiate(PolicyAssembly);

    [Fact]
    public void The_policy_assembly_exposes_a_classifier_for_every_program_of_the_repository_policies()
    {
        var policy = Load();
        var compiled = PolicyProject.Compile(PolicyProject.Load(TestPaths.RepositoryPolicies));

        Assert.Equal(compiled.Programs.Select(p => p.Key), policy.Classifiers.Select(c => c.ProgramKey));
        foreach (var program in compiled.Programs)
            Assert.Same(policy.Classifiers.Single(c => c.ProgramKey == program.Key), policy.Find(program.Key));
        Assert.Null(policy.Find("hep/nowhere/prednat/ingress"));

        Assert.Equal(compiled.Rules.Keys.Select(k => k.Value).OrderBy(v => v), policy.Rules.Select(r => r.RuleId));
        var nodePort = policy.Rules.Single(r => r.Owner == "allow-nodeport");
        Assert.Equal("policies/nodeport-protection.yaml", nodePort.SourceFile);
        Assert.Contains("ports 30080", nodePort.Description);

        Assert.Equal(compiled.Programs.Count, policy.BuildInfo.ProgramCount);
        Assert.Equal(compiled.Rules.Count, policy.BuildInfo.RuleCount);
        Assert.Equal("policies", policy.BuildInfo.PolicyDirectory);
        Assert.Equal(ContentHash(TestPaths.RepositoryPolicies), policy.BuildInfo.ContentHash);
    }

    [Theory]
    [InlineData("hep/node1-eth0/prednat/ingress", "tcp 203.0.113.5:40000 -> 192.0.2.10:30080", PolicyVerdict.Allow)]
    [InlineData("hep/node1-eth0/prednat/ingress", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", PolicyVerdict.Deny)]
    [InlineData("hep/node1-eth0/prednat/ingress", "udp 10.240.3.4:5000 -> 192.0.2.10:53", PolicyVerdict.Allow)]
    [InlineData("hep/node1-eth0/prednat/ingress", "tcp [2001:db8::99]:40000 -> [2001:db8::10]:30080", PolicyVerdict.Allow)]
    [InlineData("hep/node1-eth0/prednat/ingress", "icmp 198.51.100.1 -> 192.0.2.10 type 8 code 0", PolicyVerdict.Deny)]
    [InlineData("hep/node1-eth1/host/egress", "tcp 10.240.0.10:40000 -> 198.51.100.7:443", PolicyVerdict.Allow)]
    [InlineData("hep/node1-eth1/host/ingress", "tcp 198.51.100.7:443 -> 10.240.0.10:40000", PolicyVerdict.Deny)]
    [InlineData("hep/node1-eth0/untracked/ingress", "tcp 203.0.113.5:40000 -> 192.0.2.10:22", PolicyVerdict.NoDecision)]
    [InlineData("hep/node1-eth0/forward/ingress", "tcp 203.0.113.5:40000 -> 10.65.0.3:8080", PolicyVerdict.Allow)]
    public void The_policy_assembly_classifies_like_the_reference_evaluator(string programKey, string packetText, PolicyVerdict expected)
    {
        var policy = Load();
        var classifier = policy.Find(programKey)!;
        var program = PolicyProject.Compile(PolicyProject.Load(TestPaths.RepositoryPolicies)).Programs.Single(p => p.Key == programKey);
        Assert.True(PacketTuple.TryParse(packetText, out var packet, out var error), error);
        var reference = ReferenceEvaluator.Evaluate(program, packet);

        // The packet in every lane of a full burst (the vector paths) and alone (the scalar tail).
        foreach (var count in new[] { HeaderBatch.Capacity, 1 })
        {
            var batch = new HeaderBatch { Count = count };
            for (var i = 0; i < count; i++)
            {
                if (packet.Source.IsV4)
                    batch.SetV4(i, packet.Source.V4Value, packet.Destination.V4Value, packet.Protocol, packet.SourcePort, packet.DestinationPort, packet.IcmpType, packet.IcmpCode);
                else
                    batch.SetV6(i, packet.Source.High, packet.Source.Low, packet.Destination.High, packet.Destination.Low, packet.Protocol, packet.SourcePort, packet.DestinationPort, packet.IcmpType, packet.IcmpCode);
            }
            foreach (var (name, path) in ClassifierChecker.Paths(classifier))
            {
                var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
                var ruleIds = new uint[HeaderBatch.Capacity];
                path(batch, verdicts, ruleIds);
                for (var i = 0; i < count; i++)
                {
                    Assert.True(expected == verdicts[i], $"{name} lane {i}: {verdicts[i]}, expected {expected}");
                    Assert.True(reference.RuleId.Value == ClassifierChecker.RuleIdOf(policy, ruleIds[i]), $"{name} lane {i}: rule index {ruleIds[i]}, reference {reference.RuleId}");
                }
            }
        }
        Assert.Equal(expected, reference.Verdict switch { Verdict.Allow => PolicyVerdict.Allow, Verdict.Deny => PolicyVerdict.Deny, _ => PolicyVerdict.NoDecision });
    }

    [Fact]
    public void Every_program_of_the_policy_assembly_agrees_with_the_reference_evaluator_on_random_packets()
    {
        var policy = Load();
        var compiled = PolicyProject.Compile(PolicyProject.Load(TestPaths.RepositoryPolicies));
        var random = new Random(7);
        foreach (var program in compiled.Programs)
            ClassifierChecker.Check(program, policy, 4096, random, "policies/");
    }

    [Fact]
    public void Classifying_a_burst_allocates_nothing()
    {
        var policy = Load();
        var batch = new HeaderBatch { Count = HeaderBatch.Capacity };
        var random = new Random(3);
        for (var i = 0; i < batch.Count; i++)
        {
            if (i % 3 == 0)
                batch.SetV6(i, 0x20010db800000000, (ulong)random.Next(), 0x20010db800000000, 0x10, 6, 40000, 30080);
            else
                batch.SetV4(i, (uint)random.Next(), 0xc000020a, (byte)(i % 2 == 0 ? 6 : 17), 40000, (ushort)(i % 4 == 0 ? 30080 : random.Next()));
        }
        var verdicts = new PolicyVerdict[HeaderBatch.Capacity];
        var ruleIds = new uint[HeaderBatch.Capacity];
        foreach (var classifier in policy.Classifiers)
        {
            classifier.Classify(batch, verdicts, ruleIds);
            classifier.ClassifyScalar(batch, verdicts, ruleIds);
        }
        var classifiers = policy.Classifiers.ToArray();
        var allocated = Allocations.Settled(() =>
        {
            for (var round = 0; round < 10; round++)
            {
                for (var c = 0; c < classifiers.Length; c++)
                {
                    classifiers[c].Classify(batch, verdicts, ruleIds);
                    classifiers[c].ClassifyScalar(batch, verdicts, ruleIds);
                }
            }
        });
        Assert.Equal(0, allocated);
    }

    /// <summary>The documented hash: SHA-256 over "policies/&lt;file&gt;" NUL text NUL, files in ordinal order, LF line endings.</summary>
    private static string ContentHash(string directory)
    {
        using var stream = new MemoryStream();
        foreach (var file in TestPaths.PolicyFiles(directory))
        {
            stream.Write(Encoding.UTF8.GetBytes(file.RelativePath));
            stream.WriteByte(0);
            stream.Write(Encoding.UTF8.GetBytes(file.Text.Replace("\r\n", "\n")));
            stream.WriteByte(0);
        }
        return "sha256:" + Convert.ToHexStringLower(SHA256.HashData(stream.ToArray()));
    }
}
