using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PreDnatAppliance.Deployment.Tests.Infrastructure;

/// <summary>Multi-document YAML as node trees, and the few lookups the checks need (merge keys included).</summary>
public static class Yaml
{
    /// <summary>Every document of the text; a syntax error becomes an exception naming <paramref name="source"/>:line:column.</summary>
    public static IReadOnlyList<YamlNode> Documents(string text, string source)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"{source}:{e.Start.Line}:{e.Start.Column}: {e.Message}", e);
        }
        return stream.Documents.Select(d => d.RootNode).ToList();
    }

    /// <summary>The value under <paramref name="key"/>, also from a merged mapping (<c>&lt;&lt;: *anchor</c>).</summary>
    public static YamlNode? Get(this YamlNode? node, string key)
    {
        if (node is not YamlMappingNode mapping)
            return null;
        if (mapping.Children.TryGetValue(new YamlScalarNode(key), out var value))
            return value;
        return mapping.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) ? merged.Get(key) : null;
    }

    public static YamlNode? Path(this YamlNode? node, params string[] keys) => keys.Aggregate(node, (n, k) => n.Get(k));

    public static string? Text(this YamlNode? node) => (node as YamlScalarNode)?.Value;

    public static IReadOnlyList<YamlNode> Items(this YamlNode? node) =>
        node is YamlSequenceNode sequence ? sequence.Children.ToList() : Array.Empty<YamlNode>();

    public static IReadOnlyList<string> Strings(this YamlNode? node) => node.Items().Select(i => i.Text() ?? "").ToList();

    public static IEnumerable<(string Key, YamlNode Value)> Entries(this YamlNode? node) =>
        node is YamlMappingNode mapping
            ? mapping.Children.Select(p => (((YamlScalarNode)p.Key).Value ?? "", p.Value))
            : Enumerable.Empty<(string, YamlNode)>();
}
