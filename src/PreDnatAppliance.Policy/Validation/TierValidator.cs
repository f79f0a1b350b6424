using System.Globalization;
using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>Tier specs, including the CEL rules that pin Calico's built-in tiers.</summary>
internal static class TierValidator
{
    private static readonly string[] DefaultActions = { "Pass", "Deny" };

    private static readonly (string Name, double Order, string DefaultAction)[] BuiltIns =
    {
        (Tiers.KubeAdminTierName, Tiers.KubeAdminTierOrder, "Pass"),
        (Tiers.DefaultTierName, Tiers.DefaultTierOrder, "Deny"),
        (Tiers.KubeBaselineTierName, Tiers.KubeBaselineTierOrder, "Pass"),
    };

    public static void Validate(ValidationContext context, Tier tier)
    {
        CommonChecks.Metadata(context, tier);
        var orderAt = ValidationContext.SpecField(tier, "order");
        CommonChecks.Order(context, tier.Order, orderAt);

        var actionAt = ValidationContext.SpecField(tier, "defaultAction");
        if (tier.DefaultAction is { } action && !DefaultActions.Contains(action, StringComparer.Ordinal))
        {
            context.Report(DiagnosticDescriptors.TierDefaultActionInvalid, actionAt, Messages.Unsupported(action, DefaultActions));
            return;
        }

        foreach (var builtIn in BuiltIns.Where(b => b.Name == tier.Name))
        {
            if (tier.Order != builtIn.Order)
            {
                context.Report(DiagnosticDescriptors.TierBuiltInOrder, orderAt,
                    $"{builtIn.Name} tier order must be {builtIn.Order.ToString("0", CultureInfo.InvariantCulture)}");
            }
            // The CRD defaults a missing defaultAction to Deny before the CEL rule runs.
            var effective = tier.DefaultAction ?? "Deny";
            if (effective != builtIn.DefaultAction)
            {
                context.Report(DiagnosticDescriptors.TierBuiltInDefaultAction, actionAt,
                    $"The '{builtIn.Name}' tier must have default action '{builtIn.DefaultAction}'");
            }
        }
    }
}
