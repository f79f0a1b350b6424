namespace PreDnatAppliance.ClassifierTables;

/// <summary>A built table: the blob the kernel reads, and what it cost.</summary>
public sealed class ClassifierTable
{
    public ClassifierTable(byte[] blob, ClassifierTableStats stats)
    {
        Blob = blob;
        Stats = stats;
    }

    public byte[] Blob { get; }
    public ClassifierTableStats Stats { get; }
}

public sealed class ClassifierTableStats
{
    public int RuleCount { get; init; }
    public int ChunkCount { get; init; }
    public long MemoryBytes { get; init; }
    public TimeSpan BuildTime { get; init; }
    public IReadOnlyList<FieldTableStats> Fields { get; init; } = Array.Empty<FieldTableStats>();

    public override string ToString() =>
        $"rules={RuleCount} chunks={ChunkCount} bytes={MemoryBytes} build={BuildTime.TotalMilliseconds:F0}ms "
        + string.Join(" ", Fields.Select(f => f.ToString()));
}

public sealed class FieldTableStats
{
    public FieldKind Kind { get; init; }
    public int Intervals { get; init; }
    public int Classes { get; init; }
    public int Patterns { get; init; }
    public int Levels { get; init; }
    public long Bytes { get; init; }

    public override string ToString() =>
        $"{Kind}[intervals={Intervals} classes={Classes} patterns={Patterns} levels={Levels} bytes={Bytes}]";
}
