namespace PreDnatAppliance.Policy.Selectors;

/// <summary>
/// A selector that Calico would reject. <see cref="Exception.Message"/> is Calico's own error text
/// (for example "unexpected content at end of selector [TokRParen() TokEOF()]"), so diagnostics read
/// the same as calicoctl's.
/// </summary>
public sealed class SelectorParseException : Exception
{
    public SelectorParseException(string message)
        : base(message)
    {
    }

    public SelectorParseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
