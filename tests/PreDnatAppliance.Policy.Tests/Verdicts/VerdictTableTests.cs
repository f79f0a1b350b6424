namespace PreDnatAppliance.Policy.Tests.Verdicts;

/// <summary>
/// Felix-style verdict tables: each case is one theory row (by name), so a failure names the case and
/// lists every packet whose verdict differs, with the program trace and the numbered YAML.
/// </summary>
public sealed class VerdictTableTests
{
    public static TheoryData<string> ProgramCaseNames => new(VerdictCatalog.Programs.Keys.OrderBy(k => k, StringComparer.Ordinal));

    public static TheoryData<string> FlowCaseNames => new(VerdictCatalog.Flows.Keys.OrderBy(k => k, StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(ProgramCaseNames))]
    public void Program(string name) => VerdictHarness.AssertPasses(VerdictCatalog.Programs[name]);

    [Theory]
    [MemberData(nameof(FlowCaseNames))]
    public void Flow(string name) => VerdictHarness.AssertPasses(VerdictCatalog.Flows[name]);
}
