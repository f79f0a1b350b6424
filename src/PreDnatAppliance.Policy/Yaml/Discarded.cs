namespace PreDnatAppliance.Policy.Yaml;

/// <summary>Target of tables that only check a structure the appliance does not keep (http matches, status, ...).</summary>
internal sealed class Discarded
{
    public static readonly Discarded Instance = new();
}
