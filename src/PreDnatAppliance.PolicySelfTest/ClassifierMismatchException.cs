namespace PreDnatAppliance.PolicySelfTest;

/// <summary>A generated classifier disagrees with the reference evaluator (or is missing); the message shows the packet and the program.</summary>
public sealed class ClassifierMismatchException : Exception
{
    public ClassifierMismatchException(string programKey, string message)
        : base(message) => ProgramKey = programKey;

    public string ProgramKey { get; }
}
