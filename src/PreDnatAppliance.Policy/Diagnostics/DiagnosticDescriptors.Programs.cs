namespace PreDnatAppliance.Policy.Diagnostics;

/// <summary>Findings made while flattening a valid policy set into per-endpoint programs (PDA1400-PDA1499).</summary>
public static partial class DiagnosticDescriptors
{
    /// <summary>A rule matches on a Kubernetes Service; service membership is only known at run time, which policy cannot depend on.</summary>
    public static readonly DiagnosticDescriptor ServiceMatchUnsupported =
        new("PDA1401", "services matches are not supported by the appliance", DiagnosticSeverity.Error);

    /// <summary>Felix ignores untracked policy on a wildcard host endpoint; the appliance does the same and says so.</summary>
    public static readonly DiagnosticDescriptor UntrackedOnWildcardIgnored =
        new("PDA1402", "doNotTrack policy is not applied to a wildcard host endpoint", DiagnosticSeverity.Warning);

    /// <summary>A policy set was compiled while it still had errors.</summary>
    public static readonly DiagnosticDescriptor PolicySetHasErrors =
        new("PDA1403", "the policy set has errors; no programs were built", DiagnosticSeverity.Error);

    /// <summary>Two rules hash to one 48-bit RuleId (odds about 2e-5 at 100,000 rules); renumbering either would break stability.</summary>
    public static readonly DiagnosticDescriptor RuleIdCollision =
        new("PDA1404", "two rules have the same RuleId", DiagnosticSeverity.Error);
}
