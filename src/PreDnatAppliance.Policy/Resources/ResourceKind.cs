namespace PreDnatAppliance.Policy.Resources;

public enum ResourceKind
{
    GlobalNetworkPolicy,
    NetworkPolicy,
    HostEndpoint,
    WorkloadEndpoint,
    Profile,
    Tier,
    GlobalNetworkSet,
    NetworkSet,
    FelixConfiguration,
}

public static class ResourceKinds
{
    public const string ApiVersion = "projectcalico.org/v3";

    public static bool IsNamespaced(ResourceKind kind) =>
        kind is ResourceKind.NetworkPolicy or ResourceKind.WorkloadEndpoint or ResourceKind.NetworkSet;
}
