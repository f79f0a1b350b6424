using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Pipeline.Configuration;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>An appliance configuration file as <c>prednat run --config</c> loads it: parsed, then both validators.</summary>
public static class ConfigurationChecks
{
    public static IReadOnlyList<string> Problems(string json, string source) => Load(json, source).Problems;

    public static (ApplianceConfiguration? Configuration, IReadOnlyList<string> Problems) Load(string json, string source)
    {
        ApplianceConfiguration configuration;
        try
        {
            configuration = ApplianceConfiguration.Parse(json, source);
        }
        catch (ApplianceConfigurationException e)
        {
            return (null, e.Errors);
        }
        var problems = configuration.Validate().Concat(DataplaneOptionsValidator.Validate(configuration.Dataplane))
            .Select(p => $"{source}: {p}").ToList();
        return (configuration, problems);
    }
}
