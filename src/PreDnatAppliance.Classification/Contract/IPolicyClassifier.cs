namespace PreDnatAppliance.Classification;

public enum PolicyVerdict : byte
{
    /// <summary>The program ended without a decision (untracked and pre-DNAT programs).</summary>
    NoDecision = 0,
    Allow = 1,
    Deny = 2,
}

/// <summary>
/// One compiled per-endpoint program (e.g. <c>hep/node1-eth0/prednat/ingress</c>). The data path calls it
/// once per burst; it writes, for each packet, the verdict and the index (in <see cref="ICompiledPolicy.Rules"/>)
/// of the rule that decided it.
/// </summary>
public interface IPolicyClassifier
{
    string ProgramKey { get; }

    /// <summary>Uses the widest vector path the CPU accelerates.</summary>
    void Classify(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIndexes);

    /// <summary>The scalar path; gives identical answers (tests compare the two).</summary>
    void ClassifyScalar(HeaderBatch batch, Span<PolicyVerdict> verdicts, Span<uint> ruleIndexes);
}

public static class PolicyRules
{
    /// <summary>The rule index written for a packet no rule could see (not IP); its verdict is NoDecision.</summary>
    public const uint NoRule = uint.MaxValue;
}
