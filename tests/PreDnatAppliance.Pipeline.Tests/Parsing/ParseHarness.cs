using PreDnatAppliance.Dataplane.Stages;
using PreDnatAppliance.Pipeline.Offline;
using PreDnatAppliance.Pipeline.Parsing;

namespace PreDnatAppliance.Pipeline.Tests.Parsing;

/// <summary>What the parse stage made of one frame.</summary>
public readonly record struct ParseOutcome(DropReason Reason, ParsedPacket Row)
{
    public bool Kept => Reason == DropReason.None;
}

/// <summary>Runs frames through a <see cref="ParseStage"/> in an <see cref="OfflineRunner"/> (the real mbuf path).</summary>
public sealed class ParseHarness : IDisposable
{
    private readonly List<ParseOutcome> _outcomes = new();

    public ParseHarness(bool boundsChecked = true, int burstSize = OfflineRunner.DefaultBurstSize)
    {
        Stage = new ParseStage(boundsChecked);
        Runner = new OfflineRunner(new IBurstStage[] { Stage }, burstSize);
        Runner.OnPacket = (in OfflinePacketResult r) =>
            _outcomes.Add(new ParseOutcome(r.Reason, r.Kept ? Stage.Parsed.Row(r.Position) : default));
    }

    public ParseStage Stage { get; }
    public OfflineRunner Runner { get; }

    public List<ParseOutcome> Run(IEnumerable<byte[]> frames)
    {
        _outcomes.Clear();
        foreach (var f in frames)
            Runner.Push(f, 0);
        Runner.Flush();
        return new List<ParseOutcome>(_outcomes);
    }

    public static ParseOutcome Parse(byte[] frame, bool boundsChecked = true)
    {
        using var h = new ParseHarness(boundsChecked);
        return h.Run(new[] { frame }).Single();
    }

    public static ParsedPacket Kept(byte[] frame)
    {
        var outcome = Parse(frame);
        Assert.True(outcome.Kept, $"expected the frame to be kept, it was dropped: {DropReasons.Name(outcome.Reason)}");
        return outcome.Row;
    }

    public void Dispose() => Runner.Dispose();
}
