namespace PreDnatAppliance.Pipeline.Runtime.Counters;

/// <summary>Packets a stage recorded with a verdict (names as in verdicts.jsonl).</summary>
public sealed record StageVerdictCount(string Stage, string Verdict, ulong Packets);

/// <summary>Packets a rule decided in a stage. <see cref="RuleId"/> is <c>r</c> + 12 hex digits; <see cref="Source"/> is file:line.</summary>
public sealed record RuleHitCount(string Stage, string Owner, string Description, string RuleId, string? Source, ulong Hits);

/// <summary>New flows a service port translated, and flow-creating packets it refused for want of a backend (REJECT, Local drop).</summary>
public sealed record ServiceHitCount(string Namespace, string Name, string PortName, string Protocol, ulong Translations, ulong NoBackend);

/// <summary>
/// The pipeline counters summed over all workers at one moment (each counter read once; workers keep counting, so
/// two counters may be a burst apart). Only nonzero rows are listed; every counter only grows for the life of the
/// runtime, across policy swaps and service reloads.
/// </summary>
public sealed record PipelineCountersSnapshot(
    IReadOnlyList<StageVerdictCount> StageVerdicts,
    IReadOnlyList<RuleHitCount> RuleHits,
    IReadOnlyList<ServiceHitCount> ServiceHits,
    ulong IcmpRejectsSent,
    ulong IcmpRejectsSuppressed,
    ulong PuntedToKernel);
