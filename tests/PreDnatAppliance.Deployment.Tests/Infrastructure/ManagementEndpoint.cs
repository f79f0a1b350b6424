namespace PreDnatAppliance.Deployment.Tests.Infrastructure;

/// <summary>What the appliance's management endpoint serves (docs/deployment.md), which the image and the manifests point at.</summary>
public static class ManagementEndpoint
{
    public const int Port = 9091;
    public const string LivePath = "/healthz/live";
    public const string ReadyPath = "/healthz/ready";
    public const string MetricsPath = "/metrics";
    public const string AddressOption = "--management-address";
}
