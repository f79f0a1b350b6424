using PreDnatAppliance.Policy.Tests.Verdicts.Cases;

namespace PreDnatAppliance.Policy.Tests.Verdicts;

/// <summary>Every verdict case by name. Names are unique, so each theory row is stable and can be run alone.</summary>
public static class VerdictCatalog
{
    private static readonly Lazy<IReadOnlyDictionary<string, VerdictCase>> ProgramCases = new(() => Index(
        ActionAndProtocolCases.All()
            .Concat(NetsAndPortsCases.All())
            .Concat(SelectorCases.All())
            .Concat(OrderingAndTierCases.All())
            .Concat(StageCases.All())
            .Concat(WildcardCases.Programs()),
        c => c.Name));

    private static readonly Lazy<IReadOnlyDictionary<string, ExplainCase>> ExplainCases = new(() => Index(
        FlowCases.All()
            .Concat(FailsafeCases.All())
            .Concat(WildcardCases.Flows()),
        c => c.Name));

    public static IReadOnlyDictionary<string, VerdictCase> Programs => ProgramCases.Value;
    public static IReadOnlyDictionary<string, ExplainCase> Flows => ExplainCases.Value;

    private static IReadOnlyDictionary<string, T> Index<T>(IEnumerable<T> cases, Func<T, string> name)
    {
        var index = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            if (!index.TryAdd(name(c), c))
                throw new InvalidOperationException($"duplicate verdict case name '{name(c)}'");
        }
        return index;
    }
}
