namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// One rule of an ordered rule list: a match per field and what a packet that
/// matches it gets. Earlier rules win.
/// </summary>
public sealed class ClassifierRule
{
    private readonly FieldMatch[] _fields;

    public ClassifierRule(
        FieldMatch source, FieldMatch destination, FieldMatch protocol,
        FieldMatch sourcePort, FieldMatch destinationPort,
        uint ruleId, byte verdict)
    {
        _fields = new[] { source, destination, protocol, sourcePort, destinationPort };
        RuleId = ruleId;
        Verdict = verdict;
    }

    public uint RuleId { get; }
    public byte Verdict { get; }

    public FieldMatch Field(FieldKind kind) => _fields[(int)kind];

    public bool Matches(uint source, uint destination, byte protocol, ushort sourcePort, ushort destinationPort) =>
        _fields[0].Contains(source) && _fields[1].Contains(destination) && _fields[2].Contains(protocol)
        && _fields[3].Contains(sourcePort) && _fields[4].Contains(destinationPort);
}
