using PreDnatAppliance.Policy.Diagnostics;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>A rule's source or destination: selectors, service accounts and services (EntityRule CEL and validateEntityRule).</summary>
internal static class EntityRuleValidator
{
    public static void Validate(ValidationContext context, EntityRule entity, Rule rule, bool isSource, RuleDirection direction, RuleScope scope)
    {
        CheckSelectors(context, entity);
        CheckServiceAccounts(context, entity);
        if (entity.Services is { } services)
            CheckServices(context, entity, services, rule, isSource, direction, scope);
    }

    private static void CheckSelectors(ValidationContext context, EntityRule entity)
    {
        var selectorAt = entity.LocationOf("selector");
        SelectorChecks.Check(context, entity.Selector, selectorAt);
        SelectorChecks.CheckNoGlobal(context, entity.Selector, selectorAt);

        SelectorChecks.Check(context, entity.NotSelector, entity.LocationOf("notSelector"));

        var namespaceAt = entity.LocationOf("namespaceSelector");
        var parsed = SelectorChecks.Check(context, entity.NamespaceSelector, namespaceAt);
        SelectorChecks.CheckGlobalAlone(context, entity.NamespaceSelector, parsed, namespaceAt);
    }

    private static void CheckServiceAccounts(ValidationContext context, EntityRule entity)
    {
        if (entity.ServiceAccounts is not { } accounts)
            return;
        SelectorChecks.Check(context, accounts.Selector, accounts.LocationOf("selector"));
        // Calico does not check these, but Kubernetes service account names are DNS-1123 subdomains,
        // so anything else can never match a pod.
        foreach (var name in accounts.Names.Where(n => !NameRules.IsSubdomain(n.Value)))
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, name.Location, $"service account name '{name.Value}': {NameRules.SubdomainMessage}");
    }

    private static void CheckServices(ValidationContext context, EntityRule entity, ServiceMatch services, Rule rule,
        bool isSource, RuleDirection direction, RuleScope scope)
    {
        var at = entity.LocationOf("services");

        if (string.IsNullOrEmpty(services.Name))
            context.Report(DiagnosticDescriptors.RuleServicesIncomplete, at, "services must specify a service name");
        else if (!NameRules.IsSubdomain(services.Name))
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, services.LocationOf("name"), NameRules.SubdomainMessage);
        if (!string.IsNullOrEmpty(services.Namespace) && !NameRules.IsSubdomain(services.Namespace))
            context.Report(DiagnosticDescriptors.ResourceNameInvalid, services.LocationOf("namespace"), NameRules.SubdomainMessage);

        if (!string.IsNullOrEmpty(entity.NamespaceSelector))
            context.Report(DiagnosticDescriptors.RuleServicesConflict, at, "cannot specify NamespaceSelector and Services on the same rule");
        if (entity.ServiceAccounts is not null)
            context.Report(DiagnosticDescriptors.RuleServicesConflict, at, "cannot specify ServiceAccounts and Services on the same rule");
        if (!string.IsNullOrEmpty(entity.Selector) || !string.IsNullOrEmpty(entity.NotSelector))
            context.Report(DiagnosticDescriptors.RuleServicesConflict, at, "cannot specify Selector/NotSelector and Services on the same rule");
        if (entity.Nets.Count > 0 || entity.NotNets.Count > 0)
            context.Report(DiagnosticDescriptors.RuleServicesConflict, at, "cannot specify Nets/NotNets and Services on the same rule");
        // Destination services take their ports from the service's endpoints (a Rule-level CEL rule).
        if (!isSource && (entity.Ports.Count > 0 || entity.NotPorts.Count > 0))
            context.Report(DiagnosticDescriptors.RuleServicesConflict, at, "ports and notPorts cannot be specified with services");

        // Placement rules live on the policy specs, so Profiles are exempt.
        if (scope == RuleScope.Profile)
            return;
        if (direction == RuleDirection.Egress && isSource)
            context.Report(DiagnosticDescriptors.RuleServicesPlacement, at, "not allowed in egress rule source");
        if (direction == RuleDirection.Ingress && !isSource)
            context.Report(DiagnosticDescriptors.RuleServicesPlacement, at, "not allowed in ingress rule destination");

        // A GlobalNetworkPolicy has no namespace to resolve a bare service name in.
        var matchesServicePeer = (direction == RuleDirection.Egress && !isSource) || (direction == RuleDirection.Ingress && isSource);
        if (scope == RuleScope.GlobalNetworkPolicy && matchesServicePeer && string.IsNullOrEmpty(services.Namespace))
            context.Report(DiagnosticDescriptors.RuleServicesIncomplete, services.LocationOf("namespace"), "must specify a namespace");
    }
}
