using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;

namespace PreDnatAppliance.Dataplane.Tests;

/// <summary>
/// DPDK's telemetry socket keeps working inside the appliance: the same protocol dpdk-telemetry.py speaks
/// (a SOCK_SEQPACKET socket at /var/run/dpdk/&lt;prefix&gt;/dpdk_telemetry.v2, one JSON reply per command).
/// </summary>
public class TelemetryTests
{
    [Fact]
    public void Telemetry_socket_lists_the_ports_and_their_stats()
    {
        using var dir = new TestDirectory("telemetry");
        var options = DataplaneProcess.TestOptions(
            new PortOptions { Name = "src0", Vdev = "net_null0" },
            new PortOptions { Name = "sink0", Vdev = "net_null1,no-rx=1" });
        options.Forwarding.Add(new ForwardRule { From = "src0", To = "sink0" });
        using var dp = new DataplaneProcess(options, dir, "--status-ms", "100", "--duration", "60");
        dp.WaitUntilRunning();
        dp.WaitForStatus(s => DataplaneProcess.Number(s, "rx") > 0, TimeSpan.FromSeconds(30), "traffic");

        var path = Path.Combine(dp.RuntimeDir, "dpdk_telemetry.v2");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        socket.ReceiveTimeout = 10_000;
        socket.Connect(new UnixDomainSocketEndPoint(path));
        var hello = Receive(socket);
        Assert.Equal(JsonValueKind.Object, hello.RootElement.ValueKind);
        Assert.True(hello.RootElement.TryGetProperty("pid", out _), hello.RootElement.GetRawText());

        var list = Command(socket, "/ethdev/list");
        Assert.Equal(new[] { 0, 1 }, list.RootElement.GetProperty("/ethdev/list").EnumerateArray().Select(e => e.GetInt32()));
        var stats = Command(socket, "/ethdev/stats,1");
        Assert.True(stats.RootElement.GetProperty("/ethdev/stats").GetProperty("opackets").GetUInt64() > 0, stats.RootElement.GetRawText());

        dp.RequestStop();
        dp.WaitForReport(TimeSpan.FromSeconds(30));
    }

    private static JsonDocument Command(Socket socket, string command)
    {
        socket.Send(Encoding.ASCII.GetBytes(command));
        return Receive(socket);
    }

    private static JsonDocument Receive(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        var n = socket.Receive(buffer);
        return JsonDocument.Parse(buffer.AsMemory(0, n));
    }
}
