namespace PreDnatAppliance.Policy.Yaml;

/// <summary>
/// Every JSON field of Calico's FelixConfigurationSpec that the appliance does not read, so that a real
/// FelixConfiguration loads under strict decoding. Taken from api/pkg/apis/projectcalico/v3/felixconfig.go
/// (2025) plus the two later fields the published CRD adds (bpfAttachType, cgroupV2Path). A field Calico adds
/// later is reported as unknown until it is added here.
/// </summary>
internal static class FelixConfigurationFieldNames
{
    public static readonly IReadOnlyList<string> Ignored = new[]
    {
        "useInternalDataplaneDriver", "dataplaneDriver", "dataplaneWatchdogTimeout", "ipv6Support",
        "routeRefreshInterval", "interfaceRefreshInterval", "iptablesRefreshInterval", "iptablesPostWriteCheckInterval",
        "iptablesLockFilePath", "iptablesLockTimeout", "iptablesLockProbeInterval", "featureDetectOverride", "featureGates",
        "ipsetsRefreshInterval", "maxIpsetSize", "iptablesBackend", "xdpRefreshInterval", "netlinkTimeout",
        "metadataAddr", "metadataPort", "openstackRegion", "interfacePrefix", "interfaceExclude", "chainInsertMode",
        "defaultEndpointToHostAction", "iptablesFilterAllowAction", "iptablesMangleAllowAction", "iptablesFilterDenyAction",
        "logPrefix", "logFilePath", "logSeverityFile", "logSeverityScreen", "logSeveritySys", "logDebugFilenameRegex",
        "ipipEnabled", "ipipMTU", "vxlanEnabled", "vxlanMTU", "vxlanMTUV6", "vxlanPort", "vxlanVNI",
        "allowVXLANPacketsFromWorkloads", "allowIPIPPacketsFromWorkloads", "reportingInterval", "reportingTTL",
        "endpointReportingEnabled", "endpointReportingDelay", "endpointStatusPathPrefix", "iptablesMarkMask",
        "disableConntrackInvalidCheck", "healthEnabled", "healthHost", "healthPort", "healthTimeoutOverrides",
        "prometheusMetricsEnabled", "prometheusMetricsHost", "prometheusMetricsPort", "prometheusGoMetricsEnabled",
        "prometheusProcessMetricsEnabled", "prometheusWireGuardMetricsEnabled", "policySyncPathPrefix",
        "usageReportingEnabled", "usageReportingInitialDelay", "usageReportingInterval", "natPortRange",
        "natOutgoingAddress", "natOutgoingExclusions", "deviceRouteSourceAddress", "deviceRouteSourceAddressIPv6",
        "deviceRouteProtocol", "removeExternalRoutes", "programClusterRoutes", "ipForwarding", "externalNodesList",
        "debugMemoryProfilePath", "debugDisableLogDropping", "debugSimulateCalcGraphHangAfter",
        "debugSimulateDataplaneHangAfter", "debugSimulateDataplaneApplyDelay", "debugHost", "debugPort",
        "iptablesNATOutgoingInterfaceFilter", "sidecarAccelerationEnabled", "xdpEnabled", "genericXDPEnabled",
        "nftablesMode", "nftablesRefreshInterval", "nftablesFilterAllowAction", "nftablesMangleAllowAction",
        "nftablesFilterDenyAction", "nftablesMarkMask", "bpfEnabled", "bpfDisableUnprivileged", "bpfLogLevel",
        "bpfConntrackLogLevel", "bpfConntrackMode", "bpfConntrackTimeouts", "bpfLogFilters", "bpfCTLBLogFilter",
        "bpfDataIfacePattern", "bpfL3IfacePattern", "bpfConnectTimeLoadBalancingEnabled", "bpfConnectTimeLoadBalancing",
        "bpfHostNetworkedNATWithoutCTLB", "bpfExternalServiceMode", "bpfDSROptoutCIDRs", "bpfExtToServiceConnmark",
        "bpfKubeProxyIptablesCleanupEnabled", "bpfKubeProxyMinSyncPeriod", "bpfKubeProxyEndpointSlicesEnabled",
        "bpfPSNATPorts", "bpfMapSizeNATFrontend", "bpfMapSizeNATBackend", "bpfMapSizeNATAffinity", "bpfMapSizeRoute",
        "bpfMapSizeConntrack", "bpfMapSizePerCpuConntrack", "bpfMapSizeConntrackScaling", "bpfMapSizeConntrackCleanupQueue",
        "bpfMapSizeIPSets", "bpfMapSizeIfState", "bpfHostConntrackBypass", "bpfEnforceRPF", "bpfPolicyDebugEnabled",
        "bpfForceTrackPacketsFromIfaces", "bpfDisableGROForIfaces", "bpfExcludeCIDRsFromNAT", "bpfExportBufferSizeMB",
        "bpfRedirectToPeer", "bpfProfiling", "bpfAttachType", "cgroupV2Path",
        "flowLogsPolicyEvaluationMode", "flowLogsFlushInterval", "flowLogsCollectorDebugTrace", "flowLogsGoldmaneServer",
        "flowLogsLocalReporter", "routeSource", "routeTableRanges", "routeTableRange", "routeSyncDisabled",
        "wireguardEnabled", "wireguardEnabledV6", "wireguardThreadingEnabled", "wireguardListeningPort",
        "wireguardListeningPortV6", "wireguardRoutingRulePriority", "wireguardInterfaceName", "wireguardInterfaceNameV6",
        "wireguardMTU", "wireguardMTUV6", "wireguardHostEncryptionEnabled", "wireguardKeepAlive", "awsSrcDstCheck",
        "serviceLoopPrevention", "workloadSourceSpoofing", "mtuIfacePattern", "floatingIPs", "windowsManageFirewallRules",
        "goGCThreshold", "goMemoryLimitMB", "goMaxProcs", "requireMTUFile",
    };
}
