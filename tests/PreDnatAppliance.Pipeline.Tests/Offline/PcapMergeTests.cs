using PreDnatAppliance.Pipeline.Offline;

namespace PreDnatAppliance.Pipeline.Tests.Offline;

public sealed class PcapMergeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("pcapmerge").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, params (byte Tag, long Ns)[] frames)
    {
        var path = Path.Combine(_dir, name);
        using var writer = PcapWriter.Create(path, PcapPrecision.Nanoseconds);
        foreach (var (tag, ns) in frames)
            writer.WritePacket(Enumerable.Repeat(tag, 60).ToArray(), ns);
        return path;
    }

    [Fact]
    public void Frames_come_in_timestamp_order_and_ties_go_to_the_earlier_input()
    {
        var a = Write("a.pcap", (1, 100), (2, 300), (3, 300), (4, 900));
        var b = Write("b.pcap", (11, 50), (12, 300), (13, 400));
        using var merge = new PcapMerge(new[] { a, b });
        var seen = new List<(byte, int, long)>();
        while (merge.TryNext(out var frame, out var input, out var stamp))
            seen.Add((frame[0], input, stamp));
        Assert.Equal(new (byte, int, long)[]
        {
            (11, 1, 50), (1, 0, 100), (2, 0, 300), (3, 0, 300), (12, 1, 300), (13, 1, 400), (4, 0, 900),
        }, seen);
        Assert.False(merge.TryNext(out _, out _, out _));
    }
}
