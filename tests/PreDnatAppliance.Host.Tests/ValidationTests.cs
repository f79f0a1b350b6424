using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using PreDnatAppliance.Host.Tests.Infrastructure;
using PreDnatAppliance.Hosting;
using PreDnatAppliance.Pipeline.Configuration;

namespace PreDnatAppliance.Host.Tests;

/// <summary>
/// A bad configuration stops <c>prednat run</c> with exit code 2 and a message naming the key, before DPDK starts
/// (no EAL output, no runtime directory).
/// </summary>
public sealed class ValidationTests
{
    public static TheoryData<string, string> Cases() => new()
    {
        { "bad-pci", "dataplane:ports:0:pci: '0000:zz:00.0' is not a PCI address" },
        { "lcore-out-of-range", "dataplane:workerLcores:0: lcore 99 is out of range: this process may run on CPUs" },
        { "unknown-interface", "HostEndpoint node1-eth1 (host-endpoints.yaml:" },
        { "unknown-key", "dataplane:ports:0:colour: unknown key (no such setting in PortOptions)" },
        { "unknown-option", "speed: unknown key (no such setting in ApplianceConfiguration)" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_configuration_exits_2_with_the_key_and_starts_no_DPDK(string @case, string message)
    {
        using var dir = new TestDirectory("host-invalid");
        var configuration = TestAppliance.Valid();
        var extra = new List<string>();
        switch (@case)
        {
            case "bad-pci":
                configuration.Dataplane.Ports[0].Vdev = null;
                configuration.Dataplane.Ports[0].Pci = "0000:zz:00.0";
                break;
            case "lcore-out-of-range":
                configuration.Dataplane.WorkerLcores = new List<int> { 99 };
                break;
            case "unknown-interface":
                configuration.Dataplane.Ports[1].Name = "eth9";
                configuration.Routes.Where(r => r.Port == "eth1").ToList().ForEach(r => r.Port = "eth9");
                break;
            case "unknown-key":
                extra.Add("--dataplane:ports:0:colour=blue");
                break;
            case "unknown-option":
                extra.Add("--speed=fast");
                break;
        }
        var output = RunExpectingExit2(TestAppliance.WriteConfiguration(dir, configuration), extra);
        Assert.Contains(message, output, StringComparison.Ordinal);
        if (@case == "unknown-interface")
            Assert.Contains("names interface 'eth1', which is no configured port (ports: eth0, eth9, kernel, pods)", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Hugepages_are_required_unless_noHuge()
    {
        var options = TestAppliance.Valid().Dataplane;
        options.Memory.NoHuge = false;
        options.Memory.MemoryMb = null;
        var cpus = new HashSet<int> { 0, 1 };

        var none = HostValidation.CheckMachine(options, new MachineFacts(cpus, HugePagesTotal: 0, HugetlbfsMounted: true)).ToList();
        Assert.Contains(none, e => e.StartsWith("dataplane:memory:noHuge: false, but no hugepages are reserved", StringComparison.Ordinal));
        var unmounted = HostValidation.CheckMachine(options, new MachineFacts(cpus, HugePagesTotal: 512, HugetlbfsMounted: false)).ToList();
        Assert.Contains(unmounted, e => e.Contains("no hugetlbfs is mounted", StringComparison.Ordinal));
        Assert.Empty(HostValidation.CheckMachine(options, new MachineFacts(cpus, HugePagesTotal: 512, HugetlbfsMounted: true)));
        options.Memory.NoHuge = true;
        Assert.Empty(HostValidation.CheckMachine(options, new MachineFacts(cpus, HugePagesTotal: 0, HugetlbfsMounted: false)));
    }

    [Fact]
    public void Without_hugepages_on_this_machine_a_hugepage_configuration_exits_2()
    {
        if (MachineFacts.Read().HugePagesTotal > 0)
            return; // this machine has hugepages: the configuration is valid here (covered by the test above)
        using var dir = new TestDirectory("host-huge");
        var configuration = TestAppliance.Valid();
        configuration.Dataplane.Memory.NoHuge = false;
        configuration.Dataplane.Memory.MemoryMb = null;
        var output = RunExpectingExit2(TestAppliance.WriteConfiguration(dir, configuration), new List<string>());
        Assert.Contains("dataplane:memory:noHuge: false, but no hugepages are reserved", output, StringComparison.Ordinal);
    }

    [Fact]
    public void A_management_address_in_use_exits_1_with_a_hint_and_no_unhandled_exception()
    {
        using var dir = new TestDirectory("host-address-in-use");
        using var occupant = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((System.Net.IPEndPoint)occupant.LocalEndpoint).Port;
        using var run = new RunProcess(new[]
        {
            "--config", TestAppliance.WriteConfiguration(dir, TestAppliance.Valid()), $"--management-address=127.0.0.1:{port}",
        });
        Assert.True(run.Child.WaitForExit(TimeSpan.FromSeconds(60)), "prednat run did not exit\n" + run.Child.Output);
        var output = run.Child.Output;
        Assert.True(run.Child.ExitCode == 1, $"exit {run.Child.ExitCode}\n{output}");
        Assert.Contains($"prednat: run: start failed: Failed to bind to address http://127.0.0.1:{port}: address already in use", output, StringComparison.Ordinal);
        Assert.Contains("--management-address HOST:PORT", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", output, StringComparison.Ordinal);
    }

    private static string RunExpectingExit2(string configPath, List<string> extra)
    {
        var args = new List<string> { "--config", configPath, "--management:address=127.0.0.1:0" };
        args.AddRange(extra);
        using var run = new RunProcess(args);
        Assert.True(run.Child.WaitForExit(TimeSpan.FromSeconds(60)), "prednat run did not exit\n" + run.Child.Output);
        var output = run.Child.Output;
        Assert.True(run.Child.ExitCode == 2, $"exit {run.Child.ExitCode}\n{output}");
        Assert.Contains("prednat: run: invalid configuration:", output, StringComparison.Ordinal);
        Assert.DoesNotContain("EAL:", output, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine("/var/run/dpdk", run.FilePrefix)), "DPDK was started");
        return output;
    }
}
