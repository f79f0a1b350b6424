namespace PreDnatAppliance.Policy.Resources;

using PreDnatAppliance.Policy.Diagnostics;

/// <summary>Everything read from a policy directory, in file order, plus what was found wrong while reading it.</summary>
public sealed class PolicySet
{
    public List<PolicyResource> Policies { get; } = new();
    public List<HostEndpoint> HostEndpoints { get; } = new();
    public List<WorkloadEndpoint> WorkloadEndpoints { get; } = new();
    public List<Profile> Profiles { get; } = new();
    public List<Tier> Tiers { get; } = new();
    public List<NetworkSet> NetworkSets { get; } = new();
    public List<FelixConfiguration> FelixConfigurations { get; } = new();

    public DiagnosticBag Diagnostics { get; } = new();

    public bool HasErrors => Diagnostics.HasErrors;

    public IEnumerable<Resource> AllResources =>
        Policies.Cast<Resource>().Concat(HostEndpoints).Concat(WorkloadEndpoints).Concat(Profiles)
            .Concat(Tiers).Concat(NetworkSets).Concat(FelixConfigurations);

    public void Add(Resource resource)
    {
        switch (resource)
        {
            case PolicyResource p: Policies.Add(p); break;
            case HostEndpoint h: HostEndpoints.Add(h); break;
            case WorkloadEndpoint w: WorkloadEndpoints.Add(w); break;
            case Profile p: Profiles.Add(p); break;
            case Tier t: Tiers.Add(t); break;
            case NetworkSet n: NetworkSets.Add(n); break;
            case FelixConfiguration f: FelixConfigurations.Add(f); break;
            default: throw new ArgumentException($"unexpected resource type {resource.GetType().Name}", nameof(resource));
        }
    }
}
