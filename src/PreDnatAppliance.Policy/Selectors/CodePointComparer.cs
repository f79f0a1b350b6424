namespace PreDnatAppliance.Policy.Selectors;

/// <summary>
/// Orders strings by Unicode code point. Calico sorts set literals as Go strings (UTF-8 bytes), which is
/// code-point order; plain ordinal UTF-16 order disagrees once a surrogate pair meets U+E000..U+FFFF,
/// and the canonical text of a set must match Calico's.
/// </summary>
internal sealed class CodePointComparer : IComparer<string>
{
    public static CodePointComparer Instance { get; } = new();

    private CodePointComparer()
    {
    }

    public int Compare(string? x, string? y)
    {
        if (ReferenceEquals(x, y))
            return 0;
        if (x is null)
            return -1;
        if (y is null)
            return 1;

        var common = Math.Min(x.Length, y.Length);
        for (var i = 0; i < common; i++)
        {
            var a = x[i];
            var b = y[i];
            if (a == b)
                continue;
            if (a >= 0xD800 && b >= 0xD800)
                return Rank(a) - Rank(b);
            return a - b;
        }

        return x.Length - y.Length;
    }

    // Moves surrogates (which encode code points above U+FFFF) after U+E000..U+FFFF.
    private static int Rank(char c) => c >= 0xE000 ? c - 0x800 : c + 0x2000;
}
