namespace PreDnatAppliance.PolicyGenerator;

/// <summary>Names of the pipeline steps, for incremental-caching tests (<c>trackIncrementalGeneratorSteps</c>).</summary>
internal static class TrackingNames
{
    /// <summary>Project settings (PolicyRoot, PolicyDir, PolicyNamespace).</summary>
    public const string Options = nameof(Options);

    /// <summary>Per policy file: its display path and text.</summary>
    public const string PolicyFiles = nameof(PolicyFiles);

    /// <summary>Compiler options the emitted code depends on (unsafe code allowed, for [SkipLocalsInit]).</summary>
    public const string CompilationData = nameof(CompilationData);

    /// <summary>All files loaded, validated and compiled: model, inputs hash and diagnostics.</summary>
    public const string PolicySet = nameof(PolicySet);

    /// <summary>The model alone, which is what the classifier source depends on.</summary>
    public const string Spec = nameof(Spec);

    /// <summary>The model combined with the compilation data: the input of the classifier emitter.</summary>
    public const string ClassifierInput = nameof(ClassifierInput);

    /// <summary>The hash of the YAML as written, for PolicyInputs.g.cs.</summary>
    public const string Inputs = nameof(Inputs);

    public const string Diagnostics = nameof(Diagnostics);
}
