using System.Text;

namespace PreDnatAppliance.PolicyGenerator;

/// <summary>A minimal indented writer that always ends lines with '\n', so output is the same on every OS.</summary>
internal sealed class CodeWriter
{
    private readonly StringBuilder _text = new();

    public CodeWriter(int indent = 0) => Indent = indent;

    public int Indent { get; set; }

    public int Length => _text.Length;

    public CodeWriter Line(string text = "")
    {
        if (text.Length > 0)
            _text.Append(' ', Indent * 4).Append(text);
        _text.Append('\n');
        return this;
    }

    /// <summary>A comment line; line breaks in the text would end the comment, so they become spaces.</summary>
    public CodeWriter Comment(string text) => Line("// " + OneLine(text));

    public CodeWriter Open(string? header = null)
    {
        if (header is not null)
            Line(header);
        Line("{");
        Indent++;
        return this;
    }

    public CodeWriter Close(string suffix = "")
    {
        Indent--;
        return Line("}" + suffix);
    }

    /// <summary>Appends text written by another writer (already indented).</summary>
    public CodeWriter Raw(string text)
    {
        _text.Append(text);
        return this;
    }

    public override string ToString() => _text.ToString();

    /// <summary>The text on one line: every character C# takes as a line break (CR, LF, NEL, LS, PS) becomes a space.</summary>
    public static string OneLine(string text) =>
        text.Replace("\r\n", " ").Replace('\r', ' ').Replace('\n', ' ').Replace('\u0085', ' ').Replace('\u2028', ' ').Replace('\u2029', ' ');
}
