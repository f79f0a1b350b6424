namespace PreDnatAppliance.Classification;

/// <summary>
/// One entry of a policy's rule catalog. Classifiers report a rule by its <b>index</b> in the catalog (dense, so
/// per-lcore counters are plain arrays); the index leads to the stable 48-bit RuleId that operators see
/// (printed as <c>r</c> and 12 hex digits) and to the rule's source file and line.
/// </summary>
public sealed record RuleDescriptor(ulong RuleId, string Owner, string Description, string SourceFile, int SourceLine)
{
    public string RuleIdText => "r" + RuleId.ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Identifies a policy build, so a running appliance can say which policy it enforces.</summary>
public sealed record PolicyBuildInfo(string ContentHash, string PolicyDirectory, int ProgramCount, int RuleCount);

/// <summary>
/// The entry point of a policy assembly: every compiled program plus the rule catalog. The appliance finds it
/// through <see cref="CompiledPolicyAttribute"/> and never references the generated types directly, so a
/// newly built policy assembly can be loaded without rebuilding the appliance.
/// </summary>
public interface ICompiledPolicy
{
    PolicyBuildInfo BuildInfo { get; }
    IReadOnlyList<IPolicyClassifier> Classifiers { get; }
    IReadOnlyList<RuleDescriptor> Rules { get; }

    IPolicyClassifier? Find(string programKey);
}

/// <summary>Marks the type (with a public parameterless constructor) that implements <see cref="ICompiledPolicy"/>.</summary>
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = false)]
public sealed class CompiledPolicyAttribute : Attribute
{
    public CompiledPolicyAttribute(Type type) => Type = type;

    public Type Type { get; }
}
