using PreDnatAppliance.Replay.Tests.Infrastructure;

namespace PreDnatAppliance.Replay.Tests.Scenarios;

internal static class ScenarioData
{
    public static string Services(string name) =>
        File.ReadAllText(Path.Combine(Paths.ProjectDirectory, "Scenarios", "Data", "services", name + ".yaml"));
}
