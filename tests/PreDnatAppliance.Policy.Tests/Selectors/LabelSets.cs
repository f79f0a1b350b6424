namespace PreDnatAppliance.Policy.Tests.Selectors;

internal static class LabelSets
{
    /// <summary>"a=1;b=x" style label sets; "" is no labels and "a=" is a present, empty label.</summary>
    public static IReadOnlyDictionary<string, string> Parse(string spec)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (spec.Length == 0)
            return labels;
        foreach (var pair in spec.Split(';'))
        {
            var eq = pair.IndexOf('=');
            labels.Add(pair.Substring(0, eq), pair.Substring(eq + 1));
        }

        return labels;
    }
}
