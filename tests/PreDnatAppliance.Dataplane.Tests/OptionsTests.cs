using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Ports;

namespace PreDnatAppliance.Dataplane.Tests;

public class EalArgumentsTests
{
    internal static DataplaneOptions TwoPorts() => new()
    {
        MainLcore = 0,
        WorkerLcores = { 1 },
        Ports =
        {
            new PortOptions { Name = "eth0", Vdev = "net_pcap0,rx_pcap=/tmp/in.pcap" },
            new PortOptions { Name = "eth1", Vdev = "net_pcap1,tx_pcap=/tmp/out.pcap" },
        },
        Forwarding = { new ForwardRule { From = "eth0", To = "eth1" } },
        Memory = new MemoryOptions { NoHuge = true, MemoryMb = 512, FilePrefix = "pda-test" },
    };

    [Fact]
    public void Vdev_ports_without_hugepages()
    {
        var args = EalArguments.Build(TwoPorts());
        Assert.Equal(
            "prednat -l 0,1 --main-lcore 0 --no-huge -m 512 --file-prefix=pda-test --no-pci --vdev=net_pcap0,rx_pcap=/tmp/in.pcap --vdev=net_pcap1,tx_pcap=/tmp/out.pcap",
            string.Join(" ", args));
    }

    [Fact]
    public void Pci_ports_hugepages_in_memory_log_levels_and_extra_args()
    {
        var o = new DataplaneOptions
        {
            MainLcore = 2,
            WorkerLcores = { 4, 5 },
            Ports =
            {
                new PortOptions { Name = "eth0", Pci = "01:00.0", RxQueues = 2 },
                new PortOptions { Name = "eth1", Pci = "0000:01:00.1" },
            },
            Memory = new MemoryOptions { InMemory = true, HugeDir = "/dev/hugepages" },
            LogLevels = { "pmd.net.*:debug" },
            Telemetry = false,
            ExtraEalArgs = { "--iova-mode=va" },
        };
        Assert.Empty(DataplaneOptionsValidator.Validate(o));
        Assert.Equal(
            new[]
            {
                "prednat", "-l", "2,4,5", "--main-lcore", "2", "--in-memory", "--huge-dir=/dev/hugepages",
                "-a", "0000:01:00.0", "-a", "0000:01:00.1", "--log-level=pmd.net.*:debug", "--no-telemetry", "--iova-mode=va",
            },
            EalArguments.Build(o));
    }

    [Theory]
    [InlineData("01:00.0", "0000:01:00.0")]
    [InlineData("0000:3B:00.1", "0000:3b:00.1")]
    public void Pci_addresses_are_canonical(string given, string canonical) =>
        Assert.Equal(canonical, EalArguments.CanonicalPci(given));

    [Fact]
    public void Format_quotes_what_a_shell_would_split()
    {
        Assert.Equal("prednat '--vdev=net_pcap0,rx_pcap=/tmp/a b.pcap'", EalArguments.Format(new[] { "prednat", "--vdev=net_pcap0,rx_pcap=/tmp/a b.pcap" }));
    }

    [Fact]
    public void Round_robin_queue_assignment()
    {
        var o = TwoPorts();
        o.WorkerLcores = new() { 1, 2 };
        o.Ports[0].RxQueues = 3;
        var a = Dataplane.AssignQueues(o);
        Assert.Equal(new[] { "eth0:0", "eth0:2" }, a[1].Select(q => q.ToString()));
        Assert.Equal(new[] { "eth0:1", "eth1:0" }, a[2].Select(q => q.ToString()));
    }
}

public class OptionsValidationTests
{
    private static IReadOnlyList<string> Errors(Action<DataplaneOptions> change)
    {
        var o = EalArgumentsTests.TwoPorts();
        change(o);
        return DataplaneOptionsValidator.Validate(o);
    }

    [Fact]
    public void The_example_is_valid() => Assert.Empty(Errors(_ => { }));

    [Theory]
    [InlineData("main", "workerLcores[0]: 0 is the main lcore")]
    [InlineData("noworkers", "workerLcores: at least one worker lcore is needed")]
    [InlineData("dupname", "ports[1].name: 'eth0' is also the name of ports[0]")]
    [InlineData("longname", "ports[0].name: 'a-very-long-interface' is not a valid interface name")]
    [InlineData("both", "ports[0]: set exactly one of pci (a NIC) or vdev (a virtual device)")]
    [InlineData("badpci", "ports[0].pci: '1:2:3' is not a PCI address")]
    [InlineData("dupdev", "ports[1]: device 'net_pcap0' is also used by ports[0]")]
    [InlineData("txq", "ports[0].txQueues: 0 is out of range (1..1024)")]
    [InlineData("nomem", "memory.memoryMb: required with noHuge")]
    [InlineData("inmem", "memory.inMemory: cannot be combined with noHuge")]
    [InlineData("prefix", "memory.filePrefix: 'a/b' must be")]
    [InlineData("cache", "mempool.cacheSize: 512 is more than size / 1.5 (466)")]
    [InlineData("small", "mempool.size: 1000 mbufs cannot fill the rings")]
    [InlineData("fwd", "forwarding[0].to: no port is named 'eth9'")]
    [InlineData("burst", "burstSize: 300 is out of range (1..256)")]
    [InlineData("worker", "workers: RX queue eth1:0 is polled by no worker")]
    [InlineData("extra", "extraEalArgs: '-l' conflicts with mainLcore/workerLcores")]
    public void Each_problem_has_a_clear_message(string what, string expected)
    {
        var errors = Errors(o =>
        {
            switch (what)
            {
                case "main": o.WorkerLcores = new() { 0 }; break;
                case "noworkers": o.WorkerLcores.Clear(); break;
                case "dupname": o.Ports[1].Name = "eth0"; break;
                case "longname": o.Ports[0].Name = "a-very-long-interface"; break;
                case "both": o.Ports[0].Pci = "0000:01:00.0"; break;
                case "badpci": o.Ports[0].Vdev = null; o.Ports[0].Pci = "1:2:3"; break;
                case "dupdev": o.Ports[1].Vdev = "net_pcap0,tx_pcap=/tmp/x.pcap"; break;
                case "txq": o.Ports[0].TxQueues = 0; break;
                case "nomem": o.Memory.MemoryMb = null; break;
                case "inmem": o.Memory.InMemory = true; break;
                case "prefix": o.Memory.FilePrefix = "a/b"; break;
                case "cache": o.Mempool.Size = 700; o.Mempool.CacheSize = 512; break;
                case "small": o.Mempool.Size = 1000; break;
                case "fwd": o.Forwarding[0].To = "eth9"; break;
                case "burst": o.BurstSize = 300; break;
                case "worker": o.Workers.Add(new WorkerOptions { Lcore = 1, Queues = { new QueueRef { Port = "eth0" } } }); break;
                case "extra": o.ExtraEalArgs.Add("-l"); break;
            }
        });
        Assert.Contains(errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Every_problem_is_reported_at_once()
    {
        var errors = Errors(o =>
        {
            o.WorkerLcores = new() { 0 };
            o.Ports[1].Name = "";
            o.Memory.MemoryMb = null;
        });
        Assert.True(errors.Count >= 3, string.Join("\n", errors));
    }

    [Fact]
    public void Json_configuration_binds_and_rejects_unknown_keys()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pda-opts-{Environment.ProcessId}.json");
        try
        {
            File.WriteAllText(path, """
                {
                  // comments are allowed
                  "workerLcores": [1],
                  "ports": [ { "name": "eth0", "vdev": "net_null0", "role": "host-endpoint", "rxQueues": 2 } ],
                  "memory": { "noHuge": true, "memoryMb": 256, "filePrefix": "x" },
                }
                """);
            var o = DataplaneOptions.Load(path);
            Assert.Equal(PortRole.HostEndpoint, o.Ports[0].Role);
            Assert.Equal(2, o.Ports[0].RxQueues);
            Assert.Equal("net_null0", o.Ports[0].DeviceName);
            Assert.Empty(DataplaneOptionsValidator.Validate(o));

            File.WriteAllText(path, """{ "workerLcore": [1] }""");
            var e = Assert.Throws<DataplaneConfigurationException>(() => DataplaneOptions.Load(path));
            Assert.Contains("workerLcore", e.Message);
            Assert.Contains(path + ":1:", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}

public class PortRolesTests
{
    [Fact]
    public void Roles_follow_the_policy_interface_names()
    {
        var ports = new[]
        {
            new PortOptions { Name = "eth0", Vdev = "net_null0" },
            new PortOptions { Name = "cali1", Vdev = "net_null1" },
            new PortOptions { Name = "sink", Vdev = "net_null2" },
            new PortOptions { Name = "eth1", Vdev = "net_null3", Role = PortRole.WorkloadEndpoint },
        };
        var errors = new List<string>();
        var roles = PortRoles.Resolve(ports, new HashSet<string> { "eth0", "eth1" }, new HashSet<string> { "cali1" }, errors);
        Assert.Equal(PortRole.HostEndpoint, roles["eth0"]);
        Assert.Equal(PortRole.WorkloadEndpoint, roles["cali1"]);
        Assert.Equal(PortRole.None, roles["sink"]);
        Assert.Equal(PortRole.WorkloadEndpoint, roles["eth1"]);
        Assert.Equal(new[] { "port 'eth1': configured as WorkloadEndpoint but the policy names it as a HostEndpoint interface" }, errors);
    }
}
