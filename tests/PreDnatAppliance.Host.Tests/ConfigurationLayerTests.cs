using PreDnatAppliance.Dataplane.Configuration;
using PreDnatAppliance.Dataplane.Tests.Infrastructure;
using PreDnatAppliance.Host.Tests.Infrastructure;
using PreDnatAppliance.Hosting;

namespace PreDnatAppliance.Host.Tests;

/// <summary>The layers over the appliance file: appsettings.json, then PREDNAT_ environment variables, then the command line.</summary>
public sealed class ConfigurationLayerTests
{
    [Fact]
    public void Later_layers_override_earlier_ones_key_by_key()
    {
        using var dir = new TestDirectory("host-layers");
        var file = TestAppliance.Valid();
        file.Dataplane.BurstSize = 32;
        file.Conntrack.Capacity = 4096;
        var configPath = TestAppliance.WriteConfiguration(dir, file);
        File.WriteAllText(dir.File(HostConfiguration.SettingsFile), """
            {
              "dataplane": { "burstSize": 16, "txRetries": 7 },
              "management": { "address": "127.0.0.1:9300" },
              "run": { "liveView": false }
            }
            """);
        using var environment = new EnvironmentVariables(
            ("PREDNAT_DATAPLANE__BURSTSIZE", "24"),
            ("PREDNAT_MANAGEMENT__ADMINTOKEN", "0123456789abcdef0123"),
            ("PREDNAT_ARTIFACTS", "/tmp/not-configuration"));

        using var configuration = HostConfiguration.Load(new[]
        {
            "--config", configPath, "--duration", "5", "--dataplane:burstSize=8", "--dataplane:ports:2:role=none",
            "--dataplane:ports:0:vdev", "net_null7,no-rx=1",
        }, dir.Path);

        var appliance = configuration.Appliance;
        Assert.Equal(8, appliance.Dataplane.BurstSize);                 // command line over environment over appsettings
        Assert.Equal(7, appliance.Dataplane.TxRetries);                 // appsettings over the file's default
        Assert.Equal(4096, appliance.Conntrack.Capacity);               // the file, untouched by the layers
        Assert.Equal("net_null7,no-rx=1", appliance.Dataplane.Ports[0].Vdev);
        Assert.Equal(PortRole.None, appliance.Dataplane.Ports[2].Role); // kebab-case enums as in the file
        Assert.Equal(PortRole.HostEndpoint, appliance.Dataplane.Ports[1].Role);
        Assert.Equal(file.Dataplane.Ports.Select(p => p.Name), appliance.Dataplane.Ports.Select(p => p.Name));
        Assert.Equal("127.0.0.1:9300", configuration.Management.Address);
        Assert.Equal("0123456789abcdef0123", configuration.Management.AdminToken);
        Assert.Equal(5, configuration.Run.Duration);
        Assert.False(configuration.Run.LiveView);
        Assert.Null(configuration.Demo);
        Assert.Empty(HostValidation.Validate(configuration, MachineFacts.Read()));
    }

    [Fact]
    public void Unknown_keys_and_bad_values_in_any_layer_are_errors_naming_the_key()
    {
        using var dir = new TestDirectory("host-layers-bad");
        var configPath = TestAppliance.WriteConfiguration(dir, TestAppliance.Valid());

        using (new EnvironmentVariables(("PREDNAT_DATAPLANE__BURSTSISE", "16")))
        {
            var e = Assert.Throws<HostConfigurationException>(() => HostConfiguration.Load(new[] { "--config", configPath }, dir.Path));
            Assert.Contains("DATAPLANE:BURSTSISE: unknown key (no such setting in DataplaneOptions)", e.Message, StringComparison.Ordinal);
        }
        var badRole = Assert.Throws<HostConfigurationException>(() => HostConfiguration.Load(new[] { "--config", configPath, "--dataplane:ports:0:role=sideways" }, dir.Path));
        Assert.Contains("dataplane:ports:0:role: 'sideways' is not valid here", badRole.Message, StringComparison.Ordinal);
        var badDuration = Assert.Throws<HostConfigurationException>(() => HostConfiguration.Load(new[] { "--config", configPath, "--duration", "-1" }, dir.Path));
        Assert.Contains("run:duration", badDuration.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<HostConfigurationException>(() => HostConfiguration.Load(new[] { "--config", dir.File("nope.json") }, dir.Path));
        Assert.Contains("run:config:", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_appliance_file_keeps_its_strict_format_and_line_numbers()
    {
        using var dir = new TestDirectory("host-layers-file");
        var path = dir.File("appliance.json");
        File.WriteAllText(path, "{\n  \"node\": { \"name\": \"node1\" },\n  \"colour\": \"blue\"\n}\n");
        var e = Assert.Throws<HostConfigurationException>(() => HostConfiguration.Load(new[] { "--config", path }, dir.Path));
        Assert.Contains($"{path}:3:", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Sets environment variables for one test and restores them (the assembly runs one test at a time).</summary>
    private sealed class EnvironmentVariables : IDisposable
    {
        private readonly (string Name, string? Value)[] _saved;

        public EnvironmentVariables(params (string Name, string Value)[] values)
        {
            _saved = values.Select(v => (v.Name, Environment.GetEnvironmentVariable(v.Name))).ToArray();
            foreach (var (name, value) in values)
                Environment.SetEnvironmentVariable(name, value);
        }

        public void Dispose()
        {
            foreach (var (name, value) in _saved)
                Environment.SetEnvironmentVariable(name, value);
        }
    }
}
