using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Tests.Parsing;
using PreDnatAppliance.Replay.Tests.Infrastructure;
using static PreDnatAppliance.Replay.Tests.Infrastructure.Net;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

/// <summary>Properties of replay over random traffic: accounting, order, determinism, burst-size independence.</summary>
public sealed class ReplayPropertyTests
{
    private static readonly string[] Ports = { "eth0", "eth1", "pods", "kernel" };

    /// <summary>A random mix: NodePort and other TCP, UDP, ICMP, IPv6, ARP, garbage and truncated frames, on random ports.</summary>
    private static Scenario RandomTraffic(string name, int seed, int count, bool sameTime = false)
    {
        var rng = new Random(seed);
        var scenario = new Scenario(name);
        string Client4() => $"{rng.Next(1, 224)}.{rng.Next(256)}.{rng.Next(256)}.{rng.Next(1, 255)}";
        string Cluster() => $"10.240.{rng.Next(256)}.{rng.Next(1, 255)}";
        string[] destinations = { Node, NodeCluster, LocalPod, RemotePod, "198.51.100.7", "10.96.10.20", "192.0.2.99" };
        ushort[] ports = { 30080, 30081, 30082, 22, 80, 443, 8080, 6443 };
        for (var i = 0; i < count; i++)
        {
            var ingress = Ports[rng.Next(Ports.Length)];
            var src = ingress == "eth1" ? Cluster() : ingress == "pods" ? "10.244.1." + rng.Next(2, 250) : ingress == "kernel" ? Node : Client4();
            var dst = destinations[rng.Next(destinations.Length)];
            var sp = (ushort)rng.Next(1024, 65536);
            var dp = ports[rng.Next(ports.Length)];
            byte[] frame = rng.Next(12) switch
            {
                0 => Udp(src, dst, sp, dp),
                1 => Ping(src, dst, (ushort)rng.Next(65536)),
                2 => Tcp6("2001:db8::" + rng.Next(1, 999).ToString("x"), "2001:db8::10", sp, dp),
                3 => ArpRequest(src, (ulong)rng.NextInt64(1, 1L << 47), rng.Next(2) == 0 ? Node : dst),
                4 => Garbage(rng),
                5 => Tcp(src, dst, sp, dp)[..rng.Next(1, 54)],
                _ => Tcp(src, dst, sp, dp, rng.Next(4) == 0 ? ACK : SYN),
            };
            scenario.Send(ingress, frame);
        }
        return scenario;
    }

    private static byte[] Garbage(Random rng)
    {
        var b = new byte[rng.Next(0, 120)];
        rng.NextBytes(b);
        return b;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(3, 32)]
    [InlineData(4, 256)]
    public void Every_input_packet_appears_exactly_once_in_order_and_every_sent_packet_is_in_a_pcap(int seed, int burst)
    {
        const int count = 600;
        var scenario = RandomTraffic("property-accounting", seed, count);
        scenario.BurstSize = burst;
        var run = scenario.Run();
        Assert.Equal(count, run.Verdicts.Count);
        for (var i = 0; i < count; i++)
            Assert.Equal(i, run[i].Index);
        Assert.All(run.Verdicts, v => Assert.Contains(v.Result, new[] { "forwarded", "dropped", "rejected", "punted" }));
        Assert.All(run.Verdicts.Where(v => v.Result == "dropped" && v.Egress is null), v => Assert.NotNull(v.Reason));
        Assert.All(run.Verdicts, v => Assert.Equal("parse", v.Stages[0].Stage));

        // Every packet that left (forwarded, punted, rejected, or turned into an ARP request) is in exactly one pcap.
        var sent = run.Verdicts.Count(v => v.Egress is not null);
        var written = run.OutputPcaps.Sum(f => CountPackets(Path.Combine(run.OutDirectory, f)));
        Assert.Equal(sent, written);
        Assert.Equal(run.Verdicts.Count(v => v.Egress == "kernel"), run.OutputPcaps.Contains("kernel.pcap") ? CountPackets(run.Pcap("kernel")) : 0);
    }

    [Fact]
    public void Replaying_the_same_input_gives_byte_identical_output()
    {
        var first = RandomTraffic("property-determinism", 11, 400).Run();
        var second = RandomTraffic("property-determinism", 11, 400).Run();
        Assert.Equal(first.OutputPcaps, second.OutputPcaps);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first.OutDirectory, ReplayEngine.VerdictsFile)),
            File.ReadAllBytes(Path.Combine(second.OutDirectory, ReplayEngine.VerdictsFile)));
        foreach (var f in first.OutputPcaps)
            Assert.Equal(File.ReadAllBytes(Path.Combine(first.OutDirectory, f)), File.ReadAllBytes(Path.Combine(second.OutDirectory, f)));
    }

    [Fact]
    public void The_burst_size_does_not_change_any_verdict_or_output()
    {
        ScenarioRun RunWith(int burst)
        {
            var s = RandomTraffic("property-burst-" + burst, 5, 300);
            s.BurstSize = burst;
            return s.Run();
        }
        var one = RunWith(1);
        var many = RunWith(64);
        Assert.Equal(one.VerdictsText, many.VerdictsText);
        foreach (var f in one.OutputPcaps)
            Assert.Equal(File.ReadAllBytes(Path.Combine(one.OutDirectory, f)), File.ReadAllBytes(Path.Combine(many.OutDirectory, f)));
    }

    [Fact]
    public void Every_output_pcap_of_random_traffic_has_valid_checksums()
    {
        RandomTraffic("property-checksums", 21, 300).Run().ChecksumsVerified();
    }

    private static int CountPackets(string path)
    {
        using var reader = PcapReader.Open(path);
        var n = 0;
        while (reader.TryReadPacket(out _))
            n++;
        return n;
    }
}
