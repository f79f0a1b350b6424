namespace PreDnatAppliance.PolicyGenerator.Model;

/// <summary>
/// Everything the emitter needs to write the classifiers of one policy set, and nothing else.
/// </summary>
/// <remarks>
/// This type and everything it holds must stay immutable and structurally equatable (records, record structs,
/// <see cref="EquatableArray{T}"/>): the incremental pipeline compares successive models to decide whether to
/// emit again, so a member with reference equality would make every edit regenerate. Keep compilation objects,
/// absolute paths and anything time-dependent out of it.
/// </remarks>
internal sealed record PolicySetSpec
{
    /// <summary>The namespace of the generated types.</summary>
    public required string Namespace { get; init; }

    /// <summary>In the policy compiler's order: host endpoints by name (stage order within each), then workload endpoints.</summary>
    public required EquatableArray<ProgramSpec> Programs { get; init; }

    /// <summary>Sorted by ID (ordinal).</summary>
    public required EquatableArray<IpSetSpec> IpSets { get; init; }

    /// <summary>Sorted by ID (ordinal).</summary>
    public required EquatableArray<NamedPortSetSpec> NamedPortSets { get; init; }

    /// <summary>The rule catalog: every RuleId the policy can report (rules, tier ends, program ends, failsafes), by ID.</summary>
    public required EquatableArray<RuleDescriptorSpec> Rules { get; init; }

    public required EquatableArray<FailsafeSpec> Failsafes { get; init; }

    /// <summary>The relative paths of the policy files, for the file header.</summary>
    public required EquatableArray<string> Files { get; init; }
}

/// <summary>What the inputs-only output needs: the hash of the YAML as written, which changes with any edit.</summary>
internal sealed record PolicyInputsSpec(string Namespace, string ContentHash, string PolicyDirectory);

/// <summary>The result of the parse step: a model when the policy set has no errors, and its diagnostics either way.</summary>
internal sealed record PolicyGenerationResult(PolicySetSpec? Spec, PolicyInputsSpec? Inputs, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>One policy file as the pipeline sees it: the path shown to people (relative to PolicyRoot) and the text.</summary>
/// <param name="Unreadable">The compiler could not read the file (its text is then empty).</param>
internal sealed record PolicyFileText(string DisplayPath, string Text, bool Unreadable);

/// <summary>Project-wide settings read from MSBuild properties (build_property.*).</summary>
/// <param name="TableThreshold">
/// Programs with at least this many IPv4 rules get the table strategy when every rule can be expressed in it
/// (PolicyTableThreshold; default <see cref="PolicyGenerator.DefaultTableThreshold"/>).
/// </param>
internal sealed record GeneratorOptions(string Namespace, string PolicyDirectory, string? PolicyRoot, int TableThreshold);

/// <summary>What the emitted code needs from the compilation, kept apart so that other compilation changes stay cached.</summary>
internal readonly record struct CompilationData(bool AllowUnsafe, bool HasVector512, bool HasContract);

internal readonly record struct FailsafeSpec(ulong Id, string Direction, string Text, bool IsDefault);

internal readonly record struct RuleDescriptorSpec(ulong Id, string Owner, string Description, string File, int Line);
