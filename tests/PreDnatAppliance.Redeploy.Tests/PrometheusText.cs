using System.Globalization;

namespace PreDnatAppliance.Redeploy.Tests;

/// <summary>A scrape of the management endpoint's /metrics: sample name with labels (as printed) to value.</summary>
public sealed class PrometheusText
{
    private readonly Dictionary<string, double> _samples;

    private PrometheusText(Dictionary<string, double> samples) => _samples = samples;

    public static PrometheusText Parse(string text)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var space = line.LastIndexOf(' ');
            if (space > 0 && double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                samples[line[..space]] = value;
        }
        return new PrometheusText(samples);
    }

    /// <summary>The sample's value; 0 when absent (a counter not yet created).</summary>
    public double this[string sample] => _samples.GetValueOrDefault(sample);

    public static async Task<PrometheusText> ScrapeAsync(HttpClient client) => Parse(await client.GetStringAsync("/metrics"));
}
