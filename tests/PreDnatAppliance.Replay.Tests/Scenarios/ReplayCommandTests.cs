using PreDnatAppliance.Cli;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary><c>prednat replay</c> in-process: the embedded defaults, several inputs, usage errors.</summary>
public sealed class ReplayCommandTests
{
    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = CommandDispatcher.Run(args, output, error);
        return (exit, output.ToString(), error.ToString());
    }

    private static string WritePcap(string directory, string name, params byte[][] frames)
    {
        var path = Path.Combine(directory, name);
        using var w = PcapWriter.Create(path);
        for (var i = 0; i < frames.Length; i++)
            w.WritePacket(frames[i], 1_700_000_000_000_000_000 + (i + 1) * 1_000_000L + (name.Contains('1') ? 500_000 : 0));
        return path;
    }

    [Fact]
    public void Replay_on_the_embedded_defaults_writes_per_port_pcaps_and_one_verdict_per_packet()
    {
        var dir = Directory.CreateTempSubdirectory("prednat-replay-cli").FullName;
        var in0 = WritePcap(dir, "in0.pcap", Tcp(Client, Node, 40000, 30080), Tcp(Client, Node, 40001, 22), Tcp(Client, Node, 40002, 30081));
        var in1 = WritePcap(dir, "in1.pcap", Tcp("10.240.0.99", NodeCluster, 40003, 30081));
        var outDir = Path.Combine(dir, "out");
        var (exit, output, error) = Run("replay", "--pcap", in0, "--ingress", "eth0", "--pcap", in1, "--ingress", "eth1", "--out-dir", outDir);
        Assert.True(exit == 0, output + error);
        Assert.Contains("4 packets", output);
        var lines = File.ReadAllLines(Path.Combine(outDir, "verdicts.jsonl")).Select(Verdict.Parse).ToList();
        Assert.Equal(new[] { "eth0", "eth1", "eth0", "eth0" }, lines.Select(l => l.Ingress));   // merged by time
        Assert.Equal(new[] { "forwarded", "rejected", "punted", "dropped" }, lines.Select(l => l.Result));
        Assert.Contains("kernel.pcap", Directory.GetFiles(outDir).Select(Path.GetFileName));
        Assert.Contains("eth1.pcap", Directory.GetFiles(outDir).Select(Path.GetFileName));

        // Same input, same bytes.
        var again = Path.Combine(dir, "again");
        Assert.Equal(0, Run("replay", "--pcap", in0, "--ingress", "eth0", "--pcap", in1, "--ingress", "eth1", "--out-dir", again).Exit);
        Assert.Equal(File.ReadAllBytes(Path.Combine(outDir, "verdicts.jsonl")), File.ReadAllBytes(Path.Combine(again, "verdicts.jsonl")));
    }

    [Fact]
    public void Replay_reads_a_configuration_and_a_services_file()
    {
        var dir = Directory.CreateTempSubdirectory("prednat-replay-cli").FullName;
        var config = Path.Combine(dir, "appliance.json");
        File.WriteAllText(config, Pipeline.Configuration.ApplianceConfiguration.ReadResource("appliance.json").Replace("\"10.240.0.10\" }", "\"10.240.0.10\" }"));
        var services = Path.Combine(Paths.ProjectDirectory, "Scenarios", "Data", "services", "remote.yaml");
        var input = WritePcap(dir, "in0.pcap", Tcp(Client, Node, 40000, 30080));
        var (exit, output, error) = Run("replay", "--config", config, "--services", services, "--pcap", input, "--ingress", "eth0", "--out-dir", Path.Combine(dir, "out"));
        Assert.True(exit == 0, output + error);
        var v = Verdict.Parse(File.ReadAllLines(Path.Combine(dir, "out", "verdicts.jsonl"))[0]);
        Assert.Equal(("eth1", "10.244.2.7:8080"), (v.Egress, v.NatDst));
    }

    [Theory]
    [InlineData("replay", "--out-dir", "x")]
    [InlineData("replay", "--pcap", "a.pcap", "--out-dir", "x")]
    [InlineData("replay", "--pcap", "a.pcap", "--ingress", "eth0")]
    [InlineData("replay", "--pcap", "a.pcap", "--ingress", "eth0", "--out-dir", "x", "--burst", "0")]
    public void Usage_errors_exit_2(params string[] args) => Assert.Equal(2, Run(args).Exit);

    [Fact]
    public void Problems_with_the_inputs_exit_1_with_a_message()
    {
        var dir = Directory.CreateTempSubdirectory("prednat-replay-cli").FullName;
        var input = WritePcap(dir, "in0.pcap", Tcp(Client, Node, 40000, 30080));
        var r = Run("replay", "--pcap", input, "--ingress", "eth9", "--out-dir", Path.Combine(dir, "out"));
        Assert.Equal(1, r.Exit);
        Assert.Contains("eth9", r.Error);
        var bad = Path.Combine(dir, "bad.json");
        File.WriteAllText(bad, "{ \"node\": { \"name\": \"\" }, \"nope\": 1 }");
        r = Run("replay", "--config", bad, "--pcap", input, "--ingress", "eth0", "--out-dir", Path.Combine(dir, "out"));
        Assert.Equal(1, r.Exit);
        Assert.Contains("nope", r.Error);
    }
}

/// <summary>The stopgap's check: the policy assembly must have been built from the policy directory loaded at start.</summary>
public sealed class PolicyStopgapTests
{
    [Fact]
    public void A_policy_assembly_built_from_another_policy_set_is_refused()
    {
        var repository = PolicyBuild.Repository();
        var other = PolicyBuild.Scenario("workloads");
        var e = Assert.Throws<Pipeline.Runtime.PolicyMismatchException>(() => Pipeline.Runtime.ApplianceRuntime.Create(
            Pipeline.Configuration.ApplianceConfiguration.Default(), repository.Policy, other.CompileFor("node1"),
            Pipeline.Services.ServiceYamlLoader.Load(Pipeline.Configuration.ApplianceConfiguration.DefaultServicesYaml(), "services.yaml")));
        Assert.Contains(e.Problems, p => p.Contains("wep/shop/web-0/workload/ingress"));
        Assert.Contains("rebuild", e.Message);
    }

    [Fact]
    public void Replay_with_a_policy_directory_rebuilds_the_policy_assembly()
    {
        // Runs `dotnet build` of the policy project (tens of seconds on a loaded machine): long mode only.
        if (Environment.GetEnvironmentVariable("PREDNAT_TEST_LONG") != "1")
            return;
        var dir = Directory.CreateTempSubdirectory("prednat-replay-policy-dir").FullName;
        var input = Path.Combine(dir, "in.pcap");
        using (var w = Pipeline.Offline.PcapWriter.Create(input))
            w.WritePacket(Net.Tcp("10.240.0.99", "198.51.100.7", 40000, 25), 1_700_000_000_000_000_000);
        var output = new StringWriter();
        var error = new StringWriter();
        var exit = Cli.CommandDispatcher.Run(new[] { "replay", "--policy-dir", Path.Combine(Paths.ProjectDirectory, "Scenarios", "Data", "forward", "policies"),
            "--pcap", input, "--ingress", "eth1", "--out-dir", Path.Combine(dir, "out") }, output, error);
        Assert.True(exit == 0, output + "\n" + error);
        var v = Verdict.Parse(File.ReadAllLines(Path.Combine(dir, "out", "verdicts.jsonl"))[0]);
        Assert.Equal("parse:ok conntrack:new prednat:pass(prednat) forward:allow(cluster-forward-in) forward:deny(uplink-forward-out)", v.Trace);
    }
}
