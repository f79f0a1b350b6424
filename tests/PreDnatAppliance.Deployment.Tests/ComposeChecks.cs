using PreDnatAppliance.Deployment.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace PreDnatAppliance.Deployment.Tests;

/// <summary>The checks on docker/compose.yaml. Paths in it are relative to its directory; each check returns its problems.</summary>
public static class ComposeChecks
{
    public const string ApplianceConfigPath = "/etc/prednat/appliance.json";

    public sealed record Mount(string Source, string Target, bool IsPath);

    public static YamlNode Root(string text) => Yaml.Documents(text, "docker/compose.yaml").Single();

    public static IReadOnlyList<Mount> Mounts(YamlNode service) =>
        service.Get("volumes").Strings().Select(v => v.Split(':')).Select(p => new Mount(p[0], p[1], p[0].StartsWith('.') || p[0].StartsWith('/'))).ToList();

    /// <summary>Build contexts, Dockerfiles, targets, bind-mounted files, named volumes, images and depends_on all exist.</summary>
    public static IReadOnlyList<string> References(YamlNode compose, Func<string, bool> exists, IReadOnlyCollection<string> dockerfileStages)
    {
        var problems = new List<string>();
        var services = compose.Get("services").Entries().ToList();
        if (services.Count == 0)
            problems.Add("compose.yaml: no services");
        var declaredVolumes = compose.Get("volumes").Entries().Select(e => e.Key).ToHashSet();
        var builtImages = services.Where(s => s.Value.Get("build") is not null).Select(s => s.Value.Get("image").Text()).ToHashSet();
        foreach (var (name, service) in services)
        {
            if (service.Get("build") is { } build)
            {
                var context = build.Get("context").Text() ?? ".";
                var dockerfile = Path.Combine(context, build.Get("dockerfile").Text() ?? "Dockerfile");
                if (!exists(context))
                    problems.Add($"compose.yaml: {name}: build context {context} does not exist");
                if (!exists(dockerfile))
                    problems.Add($"compose.yaml: {name}: {dockerfile} does not exist");
                if (build.Get("target").Text() is { } target && !dockerfileStages.Contains(target))
                    problems.Add($"compose.yaml: {name}: the Dockerfile has no stage '{target}'");
            }
            else if (!builtImages.Contains(service.Get("image").Text()))
            {
                problems.Add($"compose.yaml: {name}: image '{service.Get("image").Text()}' is built by no service");
            }
            foreach (var mount in Mounts(service))
            {
                if (mount.IsPath && !exists(mount.Source))
                    problems.Add($"compose.yaml: {name}: {mount.Source} (mounted at {mount.Target}) does not exist");
                if (!mount.IsPath && !declaredVolumes.Contains(mount.Source))
                    problems.Add($"compose.yaml: {name}: volume '{mount.Source}' is not declared under volumes");
            }
            foreach (var (dependency, _) in service.Get("depends_on").Entries())
                if (!services.Any(s => s.Key == dependency))
                    problems.Add($"compose.yaml: {name}: depends on '{dependency}', which is not a service");
        }
        return problems;
    }

    /// <summary>
    /// The appliance's configuration (mounted at <see cref="ApplianceConfigPath"/>) loads, and every memif server socket
    /// in it has exactly one client service that names the same socket and mounts the same volume there.
    /// </summary>
    public static IReadOnlyList<string> MemifWiring(YamlNode compose, Func<string, string> readFile)
    {
        var problems = new List<string>();
        var services = compose.Get("services").Entries().ToList();
        var appliance = services.Where(s => Mounts(s.Value).Any(m => m.Target == ApplianceConfigPath)).ToList();
        if (appliance.Count != 1)
            return new[] { $"compose.yaml: expected one service with a config mounted at {ApplianceConfigPath}, found {appliance.Count}" };
        var (applianceName, applianceService) = appliance[0];
        var configFile = Mounts(applianceService).Single(m => m.Target == ApplianceConfigPath).Source;
        var (configuration, configProblems) = ConfigurationChecks.Load(readFile(configFile), configFile);
        problems.AddRange(configProblems);
        if (configuration is null)
            return problems;

        var servers = configuration.Dataplane.Ports.Where(p => p.Vdev is { } v && v.StartsWith("net_memif", StringComparison.Ordinal) && Parameter(v, "role") == "server")
            .Select(p => Parameter(p.Vdev!, "socket")!).ToList();
        if (servers.Count == 0)
            problems.Add($"{configFile}: no memif server port");
        foreach (var socket in servers)
        {
            var clients = services.Where(s => s.Key != applianceName && s.Value.Get("command").Strings()
                .Any(a => a.Contains("net_memif", StringComparison.Ordinal) && Parameter(a, "role") == "client" && Parameter(a, "socket") == socket)).ToList();
            if (clients.Count != 1)
            {
                problems.Add($"compose.yaml: memif socket {socket} of {configFile} has {clients.Count} client services, expected 1");
                continue;
            }
            var directory = Path.GetDirectoryName(socket);
            var volume = Mounts(applianceService).FirstOrDefault(m => !m.IsPath && m.Target == directory)?.Source;
            if (volume is null || !Mounts(clients[0].Value).Any(m => m.Source == volume && m.Target == directory))
                problems.Add($"compose.yaml: {applianceName} and {clients[0].Key} do not share a volume at {directory} for {socket}");
        }
        return problems;
    }

    private static string? Parameter(string device, string key) =>
        device.Split(',').Skip(1).Select(p => p.Split('=', 2)).Where(p => p.Length == 2 && p[0].Trim() == key).Select(p => p[1].Trim()).FirstOrDefault();
}
