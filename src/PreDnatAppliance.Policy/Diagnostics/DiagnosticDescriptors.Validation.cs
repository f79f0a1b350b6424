namespace PreDnatAppliance.Policy.Diagnostics;

/// <summary>
/// Semantic validation findings (PolicyValidator). PDA11xx: one resource; PDA12xx: across resources;
/// PDA13xx: selector syntax. IDs are stable: never renumber, only append.
/// </summary>
public static partial class DiagnosticDescriptors
{
    // ---- Policies (GlobalNetworkPolicy / NetworkPolicy) ----

    // Calico CEL: "preDNAT and doNotTrack cannot both be true".
    public static readonly DiagnosticDescriptor PolicyPreDnatWithDoNotTrack = new("PDA1101", "preDNAT and doNotTrack cannot both be true", DiagnosticSeverity.Error);
    // Calico CEL: pre-DNAT policy is ingress-only.
    public static readonly DiagnosticDescriptor PolicyPreDnatEgressRules = new("PDA1102", "preDNAT policy cannot have any egress rules", DiagnosticSeverity.Error);
    // Calico CEL: pre-DNAT policy cannot list the Egress type.
    public static readonly DiagnosticDescriptor PolicyPreDnatEgressType = new("PDA1103", "preDNAT policy cannot have 'Egress' type", DiagnosticSeverity.Error);
    // Calico CEL: preDNAT/doNotTrack need applyOnForward.
    public static readonly DiagnosticDescriptor PolicyApplyOnForwardRequired = new("PDA1104", "applyOnForward must be true if either preDNAT or doNotTrack is true", DiagnosticSeverity.Error);
    // CRD enum: types items are Ingress or Egress.
    public static readonly DiagnosticDescriptor PolicyTypeInvalid = new("PDA1105", "invalid policy type", DiagnosticSeverity.Error);
    // Calico validator: a type may be listed once.
    public static readonly DiagnosticDescriptor PolicyTypeRepeated = new("PDA1106", "policy type specified more than once", DiagnosticSeverity.Error);
    // Calico: global() outside an EntityRule namespaceSelector.
    public static readonly DiagnosticDescriptor SelectorGlobalMisplaced = new("PDA1107", "global() can only be used in an EntityRule namespaceSelector", DiagnosticSeverity.Error);
    // Calico validator: an EntityRule namespaceSelector with global() must be exactly global().
    public static readonly DiagnosticDescriptor SelectorGlobalNotAlone = new("PDA1108", "global() cannot be combined with other selectors", DiagnosticSeverity.Error);
    // Calico/Kubernetes name rules for metadata names and name-valued fields (tier, node, profiles, services).
    public static readonly DiagnosticDescriptor ResourceNameInvalid = new("PDA1109", "invalid name", DiagnosticSeverity.Error);
    // order must be a finite number (YAML .inf/.nan cannot reach Calico).
    public static readonly DiagnosticDescriptor OrderNotFinite = new("PDA1110", "order must be a finite number", DiagnosticSeverity.Error);
    // CRD MaxItems on GlobalNetworkPolicy ingress/egress.
    public static readonly DiagnosticDescriptor PolicyTooManyRules = new("PDA1111", "too many rules", DiagnosticSeverity.Error);
    // Calico before v3.32 required "<tier>." name prefixes; a mismatched prefix is legal now but confusing.
    public static readonly DiagnosticDescriptor PolicyNameTierPrefixMismatch = new("PDA1112", "policy name prefix does not match its tier", DiagnosticSeverity.Warning);
    // CRD enum: performanceHints items.
    public static readonly DiagnosticDescriptor PolicyPerformanceHintInvalid = new("PDA1113", "invalid performance hint", DiagnosticSeverity.Error);

    // ---- Rules ----

    // CRD enum: action is Allow, Deny, Log or Pass (case-sensitive).
    public static readonly DiagnosticDescriptor RuleActionInvalid = new("PDA1120", "invalid rule action", DiagnosticSeverity.Error);
    // CRD enum: ipVersion is 4 or 6.
    public static readonly DiagnosticDescriptor RuleIpVersionInvalid = new("PDA1121", "invalid ipVersion", DiagnosticSeverity.Error);
    // Calico validator: protocol name (case-sensitive) or number 1-255.
    public static readonly DiagnosticDescriptor RuleProtocolInvalid = new("PDA1122", "invalid protocol", DiagnosticSeverity.Error);
    // Calico CEL: icmp needs protocol ICMP/ICMPv6.
    public static readonly DiagnosticDescriptor RuleIcmpRequiresIcmpProtocol = new("PDA1123", "ICMP fields require protocol to be ICMP or ICMPv6", DiagnosticSeverity.Error);
    // CRD bounds: ICMP type 0-254, code 0-255.
    public static readonly DiagnosticDescriptor RuleIcmpValueOutOfRange = new("PDA1124", "ICMP type or code out of range", DiagnosticSeverity.Error);
    // Calico CEL: an ICMP code needs a type.
    public static readonly DiagnosticDescriptor RuleIcmpCodeWithoutType = new("PDA1125", "ICMP code specified without an ICMP type", DiagnosticSeverity.Error);
    // Calico CEL: ICMP needs ipVersion 4, ICMPv6 needs ipVersion 6, when ipVersion is set.
    public static readonly DiagnosticDescriptor RuleIcmpIpVersionMismatch = new("PDA1126", "ICMP protocol does not match ipVersion", DiagnosticSeverity.Error);
    // Calico accepts notICMP with any protocol; it can then never match anything useful.
    public static readonly DiagnosticDescriptor RuleNotIcmpWithoutIcmpProtocol = new("PDA1127", "notICMP without protocol ICMP or ICMPv6", DiagnosticSeverity.Warning);
    // numorstring.Port syntax, and Calico's 1-65535 range.
    public static readonly DiagnosticDescriptor RulePortInvalid = new("PDA1128", "invalid port", DiagnosticSeverity.Error);
    // CRD MaxItems 50 on ports/notPorts.
    public static readonly DiagnosticDescriptor RuleTooManyPorts = new("PDA1129", "too many ports", DiagnosticSeverity.Error);
    // Calico validator: numeric ports need protocol TCP, UDP or SCTP.
    public static readonly DiagnosticDescriptor RulePortsRequireProtocol = new("PDA1130", "ports require protocol TCP, UDP or SCTP", DiagnosticSeverity.Error);
    // Calico validator: nets/notNets/ipNetworks/failsafe net items must be CIDRs.
    public static readonly DiagnosticDescriptor CidrInvalid = new("PDA1131", "invalid CIDR", DiagnosticSeverity.Error);
    // CRD MaxItems 256 on nets/notNets.
    public static readonly DiagnosticDescriptor RuleTooManyNets = new("PDA1132", "too many nets", DiagnosticSeverity.Error);
    // Calico validator: one rule cannot mix IPv4 and IPv6 CIDRs.
    public static readonly DiagnosticDescriptor RuleMixedIpVersions = new("PDA1133", "rule contains both IPv4 and IPv6 CIDRs", DiagnosticSeverity.Error);
    // Calico validator: CIDR family must match the rule's ipVersion.
    public static readonly DiagnosticDescriptor RuleCidrIpVersionMismatch = new("PDA1134", "rule IP version doesn't match CIDR version", DiagnosticSeverity.Error);
    // Calico validator: 0.0.0.0/0 or ::/0 in notNets matches nothing.
    public static readonly DiagnosticDescriptor RuleCatchAllNegation = new("PDA1135", "catch-all CIDR in negation", DiagnosticSeverity.Error);
    // Calico: services cannot be combined with selectors, nets, service accounts or (destination) ports.
    public static readonly DiagnosticDescriptor RuleServicesConflict = new("PDA1136", "services combined with another match", DiagnosticSeverity.Error);
    // Calico validator: services only in egress destination / ingress source.
    public static readonly DiagnosticDescriptor RuleServicesPlacement = new("PDA1137", "services in the wrong rule side", DiagnosticSeverity.Error);
    // Calico: services need a name (and a namespace in a GlobalNetworkPolicy).
    public static readonly DiagnosticDescriptor RuleServicesIncomplete = new("PDA1138", "services match incomplete", DiagnosticSeverity.Error);
    // The appliance enforces L3/L4 only, as Felix does; http matches are Calico application-layer policy.
    public static readonly DiagnosticDescriptor RuleHttpMatchIgnored = new("PDA1139", "http match is ignored", DiagnosticSeverity.Warning);
    // Calico CEL/validator rules on http matches (Allow only, TCP only, not in egress).
    public static readonly DiagnosticDescriptor RuleHttpMatchInvalid = new("PDA1140", "invalid http match", DiagnosticSeverity.Error);

    // ---- Endpoints ----

    // Calico CEL: HostEndpoint spec.node is required (also required here for WorkloadEndpoint).
    public static readonly DiagnosticDescriptor EndpointNodeRequired = new("PDA1150", "node must be specified", DiagnosticSeverity.Error);
    // Calico validator: interface name is "*" or ^[a-zA-Z0-9_.-]{1,15}$.
    public static readonly DiagnosticDescriptor EndpointInterfaceNameInvalid = new("PDA1151", "invalid interface name", DiagnosticSeverity.Error);
    // Calico CEL: a HostEndpoint needs interfaceName or expectedIPs.
    public static readonly DiagnosticDescriptor HostEndpointInterfaceOrIpsRequired = new("PDA1152", "at least one of interfaceName or expectedIPs must be specified", DiagnosticSeverity.Error);
    // Calico validator: expectedIPs items are IP addresses.
    public static readonly DiagnosticDescriptor EndpointIpAddressInvalid = new("PDA1153", "invalid IP address", DiagnosticSeverity.Error);
    // Kubernetes IANA_SVC_NAME rules for named ports on endpoints.
    public static readonly DiagnosticDescriptor EndpointPortNameInvalid = new("PDA1154", "invalid endpoint port name", DiagnosticSeverity.Error);
    // Calico validator: endpoint port protocol must support ports.
    public static readonly DiagnosticDescriptor EndpointPortProtocolInvalid = new("PDA1155", "invalid endpoint port protocol", DiagnosticSeverity.Error);
    // CRD bounds: endpoint port 1-65535.
    public static readonly DiagnosticDescriptor EndpointPortNumberInvalid = new("PDA1156", "invalid endpoint port number", DiagnosticSeverity.Error);
    // Same name and protocol twice: legal in Calico, but rules using the name then match every such port.
    public static readonly DiagnosticDescriptor EndpointPortDuplicate = new("PDA1157", "named port defined more than once", DiagnosticSeverity.Warning);
    // Calico validator: WorkloadEndpoint ipNetworks are single addresses.
    public static readonly DiagnosticDescriptor WorkloadEndpointNetworkNotHost = new("PDA1158", "IP network contains multiple addresses", DiagnosticSeverity.Error);

    // ---- Tiers ----

    // CRD enum: defaultAction is Deny or Pass.
    public static readonly DiagnosticDescriptor TierDefaultActionInvalid = new("PDA1160", "invalid tier defaultAction", DiagnosticSeverity.Error);
    // Calico CEL: built-in tiers have fixed orders.
    public static readonly DiagnosticDescriptor TierBuiltInOrder = new("PDA1161", "built-in tier order is fixed", DiagnosticSeverity.Error);
    // Calico CEL: built-in tiers have fixed default actions.
    public static readonly DiagnosticDescriptor TierBuiltInDefaultAction = new("PDA1162", "built-in tier default action is fixed", DiagnosticSeverity.Error);

    // ---- FelixConfiguration ----

    // Calico validator: failsafe protocol is exactly TCP, UDP or SCTP.
    public static readonly DiagnosticDescriptor FailsafeProtocolInvalid = new("PDA1170", "invalid failsafe protocol", DiagnosticSeverity.Error);
    // ProtoPort.port is a uint16.
    public static readonly DiagnosticDescriptor FailsafePortInvalid = new("PDA1171", "invalid failsafe port", DiagnosticSeverity.Error);
    // numorstring.Port syntax for kubeNodePortRanges, numeric only.
    public static readonly DiagnosticDescriptor NodePortRangeInvalid = new("PDA1173", "invalid kubeNodePortRanges item", DiagnosticSeverity.Error);
    // Calico: at most 7 node port ranges (iptables multiport limit).
    public static readonly DiagnosticDescriptor NodePortRangesTooMany = new("PDA1174", "too many kubeNodePortRanges", DiagnosticSeverity.Error);

    // ---- Labels ----

    // Kubernetes label key/value rules (metadata.labels, labelsToApply).
    public static readonly DiagnosticDescriptor LabelInvalid = new("PDA1180", "invalid label", DiagnosticSeverity.Error);
    // Calico validator: projectcalico.org/namespace is reserved on network sets.
    public static readonly DiagnosticDescriptor LabelReserved = new("PDA1181", "reserved label", DiagnosticSeverity.Error);

    // A validator bug must not hide other findings or crash the build; reported instead of thrown.
    public static readonly DiagnosticDescriptor ValidatorInternalError = new("PDA1199", "internal validator error", DiagnosticSeverity.Error);

    // ---- Across resources ----

    // calicoctl create: same kind, namespace and name twice.
    public static readonly DiagnosticDescriptor ResourceDuplicate = new("PDA1201", "resource already exists", DiagnosticSeverity.Error);
    // Calico: a policy's tier must exist (default, kube-admin, kube-baseline always do).
    public static readonly DiagnosticDescriptor PolicyTierUnknown = new("PDA1202", "tier does not exist", DiagnosticSeverity.Error);
    // An endpoint profile that nothing defines would leave the endpoint without its intended profile rules.
    public static readonly DiagnosticDescriptor EndpointProfileUnknown = new("PDA1203", "profile does not exist", DiagnosticSeverity.Error);
    // Felix reads only FelixConfiguration "default" and "node.<nodename>".
    public static readonly DiagnosticDescriptor FelixConfigurationIgnored = new("PDA1204", "FelixConfiguration is ignored", DiagnosticSeverity.Warning);

    // ---- Selectors ----

    // Calico's selector parser rejected the expression.
    public static readonly DiagnosticDescriptor SelectorInvalid = new("PDA1301", "invalid selector", DiagnosticSeverity.Error);
    // CRD MaxLength 1024 on selector fields.
    public static readonly DiagnosticDescriptor SelectorTooLong = new("PDA1302", "selector too long", DiagnosticSeverity.Error);
}
