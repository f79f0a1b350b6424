using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>Profiles: their rules and the labels they apply to endpoints.</summary>
internal static class ProfileValidator
{
    public static void Validate(ValidationContext context, Profile profile)
    {
        CommonChecks.Metadata(context, profile);
        CommonChecks.Labels(context, profile.LabelsToApply, ValidationContext.SpecField(profile, "labelsToApply"));
        foreach (var rule in profile.Ingress)
            RuleValidator.Validate(context, rule, RuleDirection.Ingress, RuleScope.Profile);
        foreach (var rule in profile.Egress)
            RuleValidator.Validate(context, rule, RuleDirection.Egress, RuleScope.Profile);
    }
}
