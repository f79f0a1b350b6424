using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;
using PreDnatAppliance.Policy.Validation;

namespace PreDnatAppliance.Policy.Tests.Validation;

/// <summary>Builds located resources in code and runs the validator on them.</summary>
internal static class ValidationTestKit
{
    public const string File = "test.yaml";

    public static SourceLocation At(int line, int column = 1) => new(File, line, column);

    public static Located<string> L(string value, int line, int column = 1) => new(value, At(line, column));

    public static PolicyResource Gnp(string name = "p", int line = 1)
    {
        var policy = new PolicyResource(isGlobal: true) { Location = At(line), SpecLocation = At(line + 4, 3) };
        policy.Metadata.Name = name;
        policy.Metadata.Location = At(line + 2, 3);
        policy.Metadata.SetFieldLocation("name", At(line + 2, 9));
        return policy;
    }

    public static PolicyResource Np(string name = "p", string? ns = "default", int line = 1)
    {
        var policy = Gnp(name, line);
        var np = new PolicyResource(isGlobal: false) { Location = policy.Location, SpecLocation = policy.SpecLocation, Metadata = policy.Metadata };
        np.Metadata.Namespace = ns;
        return np;
    }

    public static Rule Rule(string action = "Allow", int line = 10)
    {
        var rule = new Rule { Action = action, Location = At(line, 5) };
        rule.SetFieldLocation("action", At(line, 13));
        rule.Source.Location = At(line + 1, 7);
        rule.Destination.Location = At(line + 2, 7);
        return rule;
    }

    public static T With<T>(this T node, string field, int line, int column = 1) where T : ModelNode
    {
        node.SetFieldLocation(field, At(line, column));
        return node;
    }

    public static IReadOnlyList<PolicyDiagnostic> Validate(params Resource[] resources)
    {
        var set = new PolicySet();
        foreach (var resource in resources)
            set.Add(resource);
        PolicyValidator.Validate(set);
        return set.Diagnostics.Sorted();
    }

    public static IReadOnlyList<PolicyDiagnostic> Errors(params Resource[] resources) =>
        Validate(resources).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();

    public static PolicyDiagnostic Single(IReadOnlyList<PolicyDiagnostic> diagnostics, string id)
    {
        var matching = diagnostics.Where(d => d.Id == id).ToList();
        Assert.True(matching.Count == 1, $"expected one {id}, got: {string.Join(" | ", diagnostics)}");
        return matching[0];
    }
}
