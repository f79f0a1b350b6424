using System.Text.RegularExpressions;
using PreDnatAppliance.Cli;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Pipeline.Configuration;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PreDnatAppliance.Replay.Tests.Robustness;

/// <summary>
/// The bad-configuration corpus (Robustness/Data/bad-config: the embedded default with one defect each; the file's
/// "// expect:" line is the message it must produce): every file is refused with a message naming the key, by the
/// validators and by the commands that read it (<c>prednat replay --config</c>, <c>prednat dataplane
/// --appliance-config</c>), which exit non-zero before starting anything. Nothing throws out of the commands.
/// </summary>
public class BadConfigurationTests(ITestOutputHelper output)
{
    private static string CorpusDirectory => Path.Combine(Paths.ProjectDirectory, "Robustness", "Data", "bad-config");

    public static TheoryData<string> Corpus()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(CorpusDirectory, "*.json").OrderBy(f => f, StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Fact]
    public void The_corpus_covers_syntax_keys_addresses_routes_lcores_and_pci()
    {
        Assert.True(Corpus().Count >= 15);
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public void A_bad_configuration_is_refused_with_a_message_naming_the_key(string file)
    {
        var path = Path.Combine(CorpusDirectory, file);
        var expect = File.ReadLines(path).Select(l => Regex.Match(l, "^// expect: (.*)$")).First(m => m.Success).Groups[1].Value;

        // The validators: the pipeline's part and the DPDK part.
        var pipelineErrors = new List<string>();
        var dataplaneErrors = new List<string>();
        try
        {
            var configuration = ApplianceConfiguration.Load(path);
            pipelineErrors.AddRange(configuration.Validate());
            dataplaneErrors.AddRange(DataplaneOptionsValidator.Validate(configuration.Dataplane));
        }
        catch (ApplianceConfigurationException e)
        {
            pipelineErrors.AddRange(e.Errors);
        }
        var all = pipelineErrors.Concat(dataplaneErrors).ToList();
        output.WriteLine($"{file}:\n  " + string.Join("\n  ", all));
        Assert.Contains(all, e => Regex.IsMatch(e, expect));

        // The commands. Both refuse before DPDK starts (the test would not get here with a configuration DPDK accepts).
        var dir = Directory.CreateTempSubdirectory("prednat-bad-config").FullName;
        try
        {
            var pcap = Path.Combine(dir, "in.pcap");
            using (var w = PcapWriter.Create(pcap))
                w.WritePacket(Net.Tcp(Net.Client, Net.Node, 40000, 30080), 1_000_000_000);

            var replay = Run("replay", "--config", path, "--pcap", pcap, "--ingress", "eth0", "--out-dir", Path.Combine(dir, "out"));
            if (pipelineErrors.Count > 0)
            {
                Assert.Equal(1, replay.Exit);
                Assert.Matches(expect, replay.Error);
            }
            else
                Assert.True(replay.Exit == 0, replay.Error);   // replay does not use the DPDK settings

            var dataplane = Run("dataplane", "--appliance-config", path);
            output.WriteLine($"  prednat dataplane: exit {dataplane.Exit}: {dataplane.Error.Trim()}");
            Assert.NotEqual(0, dataplane.Exit);
            Assert.Matches(expect, dataplane.Error);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int Exit, string Output, string Error) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = CommandDispatcher.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }
}
