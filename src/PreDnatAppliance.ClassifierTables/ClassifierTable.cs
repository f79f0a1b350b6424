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

    /// <summary>The protocol x ports cross product, or null when the fields stayed separate.</summary>
    public CrossTableStats? Cross { get; init; }

    /// <summary>The pair product, or null when none was small enough.</summary>
    public PairTableStats? Pair { get; init; }

    public override string ToString() =>
        $"rules={RuleCount} chunks={ChunkCount} bytes={MemoryBytes} build={BuildTime.TotalMilliseconds:F0}ms "
        + string.Join(" ", Fields.Select(f => f.ToString())) + (Cross is null ? " cross=none" : " " + Cross) + (Pair is null ? " pair=none" : " " + Pair);
}

public sealed class PairTableStats
{
    public string Units { get; init; } = "";
    public int Entries { get; init; }
    public int Classes { get; init; }
    public int Patterns { get; init; }
    public long Bytes { get; init; }

    public override string ToString() => $"pair[{Units} entries={Entries} classes={Classes} patterns={Patterns} bytes={Bytes}]";
}

public sealed class CrossTableStats
{
    public int Entries { get; init; }
    public int Classes { get; init; }
    public int Patterns { get; init; }
    public long Bytes { get; init; }

    public override string ToString() => $"cross[entries={Entries} classes={Classes} patterns={Patterns} bytes={Bytes}]";
}

public sealed class FieldTableStats
{
    public FieldKind Kind { get; init; }
    public int Intervals { get; init; }
    public int Classes { get; init; }
    public int Patterns { get; init; }
    public int Levels { get; init; }
    public string Strategy { get; init; } = "";
    public long Bytes { get; init; }

    public override string ToString() =>
        $"{Kind}[{Strategy} intervals={Intervals} classes={Classes} patterns={Patterns} levels={Levels} bytes={Bytes}]";
}
