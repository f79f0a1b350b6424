using System.Globalization;
using System.Text;

namespace PreDnatAppliance.Management;

/// <summary>
/// Writes the Prometheus text exposition format (version 0.0.4): <c># HELP</c> and <c># TYPE</c> once per family, then
/// its samples; label values escaped (<c>\\</c>, <c>\"</c>, <c>\n</c>); <c>\n</c> line ends; invariant numbers.
/// </summary>
public sealed class PrometheusWriter
{
    public const string ContentType = "text/plain; version=0.0.4; charset=utf-8";

    private readonly StringBuilder _text = new();
    private readonly HashSet<string> _families = new(StringComparer.Ordinal);

    /// <summary>Starts a metric family; a family is declared once (a second declaration is a programming error).</summary>
    public PrometheusWriter Family(string name, MetricType type, string help)
    {
        if (!_families.Add(name))
            throw new InvalidOperationException($"metric family {name} declared twice");
        _text.Append("# HELP ").Append(name).Append(' ').Append(EscapeHelp(help)).Append('\n');
        _text.Append("# TYPE ").Append(name).Append(' ').Append(type.ToString().ToLowerInvariant()).Append('\n');
        return this;
    }

    public PrometheusWriter Sample(string name, double value, params ReadOnlySpan<(string Name, string Value)> labels)
    {
        _text.Append(name);
        if (labels.Length > 0)
        {
            _text.Append('{');
            for (var i = 0; i < labels.Length; i++)
            {
                if (i > 0)
                    _text.Append(',');
                _text.Append(labels[i].Name).Append("=\"");
                AppendEscapedLabel(labels[i].Value);
                _text.Append('"');
            }
            _text.Append('}');
        }
        _text.Append(' ').Append(Format(value)).Append('\n');
        return this;
    }

    public PrometheusWriter Sample(string name, ulong value, params ReadOnlySpan<(string Name, string Value)> labels) =>
        Sample(name, (double)value, labels);

    public override string ToString() => _text.ToString();

    private static string Format(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private void AppendEscapedLabel(string value)
    {
        foreach (var c in value)
        {
            switch (c)
            {
                case '\\': _text.Append("\\\\"); break;
                case '"': _text.Append("\\\""); break;
                case '\n': _text.Append("\\n"); break;
                default: _text.Append(c); break;
            }
        }
    }

    private static string EscapeHelp(string help) => help.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}

public enum MetricType
{
    Counter,
    Gauge,
    Untyped,
}
