namespace PreDnatAppliance.ClassifierTables;

/// <summary>
/// The correctness oracle: tries every rule in order. Deliberately naive so that
/// it can be trusted; the tables must give the same answer for every packet.
/// </summary>
public sealed class LinearFirstMatch
{
    private readonly IReadOnlyList<ClassifierRule> _rules;

    public LinearFirstMatch(IReadOnlyList<ClassifierRule> rules) => _rules = rules;

    /// <summary>Index of the first matching rule, or -1.</summary>
    public int Classify(uint source, uint destination, byte protocol, ushort sourcePort, ushort destinationPort)
    {
        for (int i = 0; i < _rules.Count; i++)
        {
            if (_rules[i].Matches(source, destination, protocol, sourcePort, destinationPort)) return i;
        }
        return -1;
    }
}
