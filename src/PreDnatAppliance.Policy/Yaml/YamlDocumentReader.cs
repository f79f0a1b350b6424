using PreDnatAppliance.Policy.Diagnostics;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace PreDnatAppliance.Policy.Yaml;

/// <summary>
/// Turns YAML text into <see cref="YamlDocument"/>s, one at a time, from YamlDotNet's parser events.
/// A syntax error ends the file (the parser cannot resume) but documents completed before it are kept.
/// </summary>
internal sealed class YamlDocumentReader
{
    // Deep enough for any real policy; shallow enough that recursion cannot overflow the stack.
    private const int MaxDepth = 200;

    private readonly ReadContext _context;
    private readonly Dictionary<string, YamlValue> _anchors = new(StringComparer.Ordinal);
    private Mark _lastPosition = Mark.Empty;

    private YamlDocumentReader(ReadContext context) => _context = context;

    public static void Read(ReadContext context, string text, Action<YamlDocument> onDocument)
    {
        var reader = new YamlDocumentReader(context);
        if (text.Length > 0 && text[0] == '\uFEFF')
        {
            text = text.Substring(1);
        }
        try
        {
            reader.ReadStream(new Parser(new StringReader(text)), onDocument);
        }
        catch (YamlException ex)
        {
            context.Report(DiagnosticDescriptors.YamlSyntaxError, context.At((int)ex.Start.Line, (int)ex.Start.Column), ex.Message);
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or FormatException or OverflowException)
        {
            // YamlDotNet's scanner throws these on some malformed input instead of a YamlException.
            var at = reader._lastPosition;
            context.Report(DiagnosticDescriptors.YamlSyntaxError, context.At((int)Math.Max(at.Line, 1), (int)Math.Max(at.Column, 1)),
                "invalid YAML after this point");
        }
    }

    private void ReadStream(IParser parser, Action<YamlDocument> onDocument)
    {
        parser.Consume<StreamStart>();
        while (!parser.TryConsume<StreamEnd>(out _))
        {
            var start = parser.Consume<DocumentStart>();
            Remember(start);
            YamlValue? root = parser.Accept<DocumentEnd>(out _) ? null : ReadNode(parser, 0);
            parser.Consume<DocumentEnd>();
            _anchors.Clear(); // anchors do not cross document boundaries
            var line = root?.Line ?? (int)start.Start.Line;
            var column = root?.Column ?? (int)start.Start.Column;
            onDocument(new YamlDocument(root, line, column));
        }
    }

    private YamlValue ReadNode(IParser parser, int depth)
    {
        if (depth > MaxDepth)
        {
            throw new YamlException(parser.Current!.Start, parser.Current.End, $"nesting deeper than {MaxDepth} levels");
        }
        if (parser.TryConsume<Scalar>(out var scalar))
        {
            Remember(scalar);
            var node = new YamlScalar(scalar.Value, ScalarResolver.Resolve(scalar.Value, scalar.Style, scalar.Tag), Line(scalar), Column(scalar));
            return Anchor(scalar.Anchor, node);
        }
        if (parser.TryConsume<SequenceStart>(out var sequenceStart))
        {
            Remember(sequenceStart);
            var sequence = new YamlSequence(Line(sequenceStart), Column(sequenceStart));
            while (!parser.TryConsume<SequenceEnd>(out _))
            {
                sequence.Items.Add(ReadNode(parser, depth + 1));
            }
            // Registered only once complete, so that a node cannot contain itself.
            return Anchor(sequenceStart.Anchor, sequence);
        }
        if (parser.TryConsume<MappingStart>(out var mappingStart))
        {
            Remember(mappingStart);
            var mapping = new YamlMapping(Line(mappingStart), Column(mappingStart));
            while (!parser.TryConsume<MappingEnd>(out _))
            {
                var key = ReadNode(parser, depth + 1);
                var value = ReadNode(parser, depth + 1);
                mapping.Entries.Add(new YamlEntry(key, value));
            }
            return Anchor(mappingStart.Anchor, mapping);
        }
        var alias = parser.Consume<AnchorAlias>();
        Remember(alias);
        if (_anchors.TryGetValue(alias.Value.Value, out var target))
        {
            // Shared, not copied: a billion-laughs document costs nothing to build, and the readers
            // never walk into values they reject or ignore.
            return target;
        }
        _context.Report(DiagnosticDescriptors.YamlSyntaxError, _context.At(Line(alias), Column(alias)),
            $"unknown anchor '{alias.Value.Value}' referenced");
        return new YamlScalar(string.Empty, ScalarKind.Null, Line(alias), Column(alias));
    }

    private YamlValue Anchor(AnchorName anchor, YamlValue node)
    {
        if (!anchor.IsEmpty)
        {
            _anchors[anchor.Value] = node;
        }
        return node;
    }

    private void Remember(ParsingEvent parsingEvent) => _lastPosition = parsingEvent.Start;
    private static int Line(ParsingEvent parsingEvent) => (int)parsingEvent.Start.Line;
    private static int Column(ParsingEvent parsingEvent) => (int)parsingEvent.Start.Column;
}
