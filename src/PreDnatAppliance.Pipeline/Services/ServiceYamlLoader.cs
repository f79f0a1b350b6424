using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace PreDnatAppliance.Pipeline.Services;

/// <summary>
/// Loads Services and EndpointSlices as <c>kubectl get svc,endpointslices -A -o yaml</c> prints them: a
/// <c>v1 List</c> whose items are <c>v1 Service</c> and <c>discovery.k8s.io/v1 EndpointSlice</c>. Also accepted:
/// <c>ServiceList</c>/<c>EndpointSliceList</c>, a bare Service or EndpointSlice, and several <c>---</c> documents.
///
/// Lenient where kubectl is noisy: fields the tables do not use (managedFields, annotations, status.conditions,
/// selector, hints, targetRef, ...) are ignored without being checked; items of other kinds are skipped with a
/// warning. Strict where it matters: every field the tables read is type-checked and range-checked, and a problem
/// is reported as <c>file:line:col: path: message</c>. All problems are collected; if there is any, the whole file
/// is rejected with a <see cref="ServiceLoadException"/>.
/// </summary>
public static class ServiceYamlLoader
{
    private const int MaxErrors = 200;

    public static ServiceCatalog LoadFile(string path) => Load(File.ReadAllText(path), path);

    public static ServiceCatalog Load(string text, string sourceName)
    {
        var reader = new Reader(sourceName);
        reader.Read(text);
        if (reader.Errors.Count > 0)
            throw new ServiceLoadException(sourceName, reader.Errors);
        return new ServiceCatalog
        {
            Source = sourceName,
            Services = reader.Services,
            EndpointSlices = reader.Slices,
            Warnings = reader.Warnings,
        };
    }

    private sealed class Reader
    {
        private readonly string _file;
        private readonly HashSet<string> _serviceKeys = new(StringComparer.Ordinal);
        private readonly HashSet<string> _sliceKeys = new(StringComparer.Ordinal);

        public Reader(string file) => _file = file;

        public List<string> Errors { get; } = new();
        public List<string> Warnings { get; } = new();
        public List<ServiceResource> Services { get; } = new();
        public List<EndpointSliceResource> Slices { get; } = new();

        public void Read(string text)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                Errors.Add($"{_file}:1:1: the file is empty (expected the output of `kubectl get svc,endpointslices -A -o yaml`)");
                return;
            }
            var stream = new YamlStream();
            var parser = new Parser(new StringReader(text));
            try
            {
                stream.Load(parser);
            }
            catch (YamlException e)
            {
                var message = StripMark(e.Message);
                message = message.StartsWith("Duplicate key ", StringComparison.Ordinal)
                    ? $"duplicate key '{message["Duplicate key ".Length..]}'"
                    : message;
                var (line, column) = ((int)Math.Max(e.Start.Line, 1), (int)Math.Max(e.Start.Column, 1));
                if (message.Contains("tab", StringComparison.Ordinal) && FirstIndentingTab(text) is { } tab)
                    (line, column) = tab; // YamlDotNet reports these at the start of the enclosing mapping
                Errors.Add($"{_file}:{line}:{column}: invalid YAML: {message}");
                return;
            }
            catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException)
            {
                // YamlDotNet's scanner throws these on some malformed input instead of a YamlException.
                var at = parser.Current?.Start ?? Mark.Empty;
                Errors.Add($"{_file}:{Math.Max(at.Line, 1)}:{Math.Max(at.Column, 1)}: invalid YAML: syntax error at or after this point");
                return;
            }
            var documents = 0;
            foreach (var document in stream.Documents)
            {
                if (document.RootNode is YamlScalarNode root && IsNull(root))
                    continue;
                documents++;
                ReadObject(document.RootNode, "", allowList: true);
            }
            if (documents == 0)
                Errors.Add($"{_file}:1:1: the file has no documents (expected the output of `kubectl get svc,endpointslices -A -o yaml`)");
        }

        private static (int Line, int Column)? FirstIndentingTab(string text)
        {
            var lines = text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                for (var j = 0; j < lines[i].Length && lines[i][j] is ' ' or '\t' or '-'; j++)
                {
                    if (lines[i][j] == '\t')
                        return (i + 1, j + 1);
                }
            }
            return null;
        }

        // YamlDotNet's messages start with "(Line: 3, Col: 5, Idx: ..) - (Line: ...): "; the location is printed separately.
        private static string StripMark(string message)
        {
            var at = message.IndexOf("): ", StringComparison.Ordinal);
            return message.StartsWith("(Line:", StringComparison.Ordinal) && at >= 0 ? message[(at + 3)..] : message;
        }

        private void Error(YamlNode node, string path, string message)
        {
            if (Errors.Count < MaxErrors)
                Errors.Add($"{At(node)}: {(path.Length > 0 ? path + ": " : "")}{message}");
        }

        private SourceLocation At(YamlNode node) => new(_file, (int)Math.Max(node.Start.Line, 1), (int)Math.Max(node.Start.Column, 1));

        // ---- objects -------------------------------------------------------------------------------------------

        private void ReadObject(YamlNode node, string path, bool allowList)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, path, $"expected a Kubernetes object (a mapping), got {Describe(node)}");
                return;
            }
            var kind = OptionalString(map, "kind", path);
            var apiVersion = OptionalString(map, "apiVersion", path);
            var itemPath = path.Length > 0 ? path : "";
            switch (kind)
            {
                case null:
                    Error(node, path, "missing 'kind' (expected List, Service or EndpointSlice)");
                    return;
                case "List" or "ServiceList" or "EndpointSliceList":
                    if (!allowList)
                    {
                        Error(node, path, $"a {kind} inside a list is not supported");
                        return;
                    }
                    var items = Child(map, "items");
                    if (items is null || IsNullNode(items))
                        return;
                    if (items is not YamlSequenceNode sequence)
                    {
                        Error(items, "items", $"expected a list, got {Describe(items)}");
                        return;
                    }
                    for (var i = 0; i < sequence.Children.Count; i++)
                        ReadObject(sequence.Children[i], $"items[{i}]", allowList: false);
                    return;
                case "Service":
                    if (apiVersion != "v1")
                    {
                        Error(node, itemPath, $"Service has apiVersion '{apiVersion}'; expected 'v1'");
                        return;
                    }
                    ReadService(map, itemPath);
                    return;
                case "EndpointSlice":
                    if (apiVersion != "discovery.k8s.io/v1")
                    {
                        Error(node, itemPath, $"EndpointSlice has apiVersion '{apiVersion}'; expected 'discovery.k8s.io/v1'");
                        return;
                    }
                    ReadSlice(map, itemPath);
                    return;
                default:
                    // Inside a List other kinds are normal (kubectl get all); a whole document of another kind is a
                    // wrong file (a typo in 'List' would otherwise silently empty the service table).
                    if (allowList)
                        Error(node, path, $"kind '{kind}' is not List, Service or EndpointSlice");
                    else
                        Warnings.Add($"{At(node)}: {(itemPath.Length > 0 ? itemPath + ": " : "")}ignored object of kind '{kind}'");
                    return;
            }
        }

        private (string Namespace, string Name) ReadMetadata(YamlMappingNode obj, string path, out YamlMappingNode? metadata)
        {
            metadata = null;
            var node = Child(obj, "metadata");
            if (node is not YamlMappingNode meta)
            {
                Error(node ?? obj, Join(path, "metadata"), node is null ? "missing metadata" : $"expected a mapping, got {Describe(node)}");
                return ("default", "");
            }
            metadata = meta;
            var name = OptionalString(meta, "name", Join(path, "metadata"));
            if (string.IsNullOrEmpty(name))
                Error(meta, Join(path, "metadata.name"), "missing name");
            var ns = OptionalString(meta, "namespace", Join(path, "metadata"));
            return (string.IsNullOrEmpty(ns) ? "default" : ns, name ?? "");
        }

        private void ReadService(YamlMappingNode obj, string path)
        {
            var (ns, name) = ReadMetadata(obj, path, out _);
            var errorsBefore = Errors.Count;
            var specPath = Join(path, "spec");
            if (Child(obj, "spec") is not YamlMappingNode spec)
            {
                Error(Child(obj, "spec") ?? obj, specPath, "missing spec (a mapping)");
                return;
            }

            var type = OptionalString(spec, "type", specPath) switch
            {
                null or "" or "ClusterIP" => ServiceType.ClusterIP,
                "NodePort" => ServiceType.NodePort,
                "LoadBalancer" => ServiceType.LoadBalancer,
                "ExternalName" => ServiceType.ExternalName,
                var other => Invalid(spec, "type", specPath, $"unknown service type '{other}' (expected ClusterIP, NodePort, LoadBalancer or ExternalName)", ServiceType.ClusterIP),
            };

            // clusterIPs wins over clusterIP (the API keeps clusterIP == clusterIPs[0]); "None" and "" mean headless.
            var clusterIPs = new List<ServiceAddress>();
            if (Child(spec, "clusterIPs") is { } ipsNode && !IsNullNode(ipsNode))
            {
                foreach (var (item, itemPath) in Sequence(ipsNode, Join(specPath, "clusterIPs")))
                    AddAddress(item, itemPath, clusterIPs, allowNone: true);
            }
            else if (Child(spec, "clusterIP") is { } ipNode)
            {
                AddAddress(ipNode, Join(specPath, "clusterIP"), clusterIPs, allowNone: true);
            }

            var families = new List<byte>();
            if (Child(spec, "ipFamilies") is { } familiesNode)
            {
                foreach (var (item, itemPath) in Sequence(familiesNode, Join(specPath, "ipFamilies")))
                {
                    switch (ScalarText(item, itemPath))
                    {
                        case "IPv4": families.Add(4); break;
                        case "IPv6": families.Add(6); break;
                        case null: break;
                        case var other: Error(item, itemPath, $"unknown IP family '{other}' (expected IPv4 or IPv6)"); break;
                    }
                }
            }

            var externalIPs = new List<ServiceAddress>();
            if (Child(spec, "externalIPs") is { } externalNode)
            {
                foreach (var (item, itemPath) in Sequence(externalNode, Join(specPath, "externalIPs")))
                    AddAddress(item, itemPath, externalIPs, allowNone: false);
            }

            var ports = new List<ServicePortSpec>();
            if (Child(spec, "ports") is { } portsNode)
            {
                foreach (var (item, itemPath) in Sequence(portsNode, Join(specPath, "ports")))
                {
                    if (ReadServicePort(item, itemPath) is { } port)
                        ports.Add(port);
                }
            }
            var seenPorts = new HashSet<(ServiceProtocol, int)>();
            var seenNames = new HashSet<string>(StringComparer.Ordinal);
            foreach (var port in ports)
            {
                if (!seenPorts.Add((port.Protocol, port.Port)))
                    Errors.Add($"{port.Location}: {specPath}.ports: duplicate port {port.Protocol.ToString().ToUpperInvariant()}/{port.Port}");
                if (!seenNames.Add(port.Name))
                    Errors.Add($"{port.Location}: {specPath}.ports: duplicate port name '{port.Name}'");
            }
            if (ports.Count > 1 && ports.Any(p => p.Name.Length == 0))
                Errors.Add($"{ports.First(p => p.Name.Length == 0).Location}: {specPath}.ports: every port must have a name when there is more than one");

            var externalPolicy = ReadTrafficPolicy(spec, "externalTrafficPolicy", specPath);
            var internalPolicy = ReadTrafficPolicy(spec, "internalTrafficPolicy", specPath);

            var affinity = OptionalString(spec, "sessionAffinity", specPath) switch
            {
                null or "" or "None" => SessionAffinity.None,
                "ClientIP" => SessionAffinity.ClientIP,
                var other => Invalid(spec, "sessionAffinity", specPath, $"unknown sessionAffinity '{other}' (expected None or ClientIP)", SessionAffinity.None),
            };
            var timeout = ServiceDefaults.AffinityTimeoutSeconds;
            if (affinity == SessionAffinity.ClientIP
                && Child(spec, "sessionAffinityConfig") is YamlMappingNode affinityConfig
                && Child(affinityConfig, "clientIP") is YamlMappingNode clientIP
                && Child(clientIP, "timeoutSeconds") is { } timeoutNode && !IsNullNode(timeoutNode))
            {
                var timeoutPath = Join(specPath, "sessionAffinityConfig.clientIP.timeoutSeconds");
                if (Integer(timeoutNode, timeoutPath) is { } seconds)
                {
                    if (seconds is < 1 or > ServiceDefaults.MaxAffinityTimeoutSeconds)
                        Error(timeoutNode, timeoutPath, $"{seconds} is out of range (must be 1..{ServiceDefaults.MaxAffinityTimeoutSeconds})");
                    else
                        timeout = (int)seconds;
                }
            }

            var ingress = new List<ServiceAddress>();
            if (Child(obj, "status") is YamlMappingNode status
                && Child(status, "loadBalancer") is YamlMappingNode loadBalancer
                && Child(loadBalancer, "ingress") is { } ingressNode)
            {
                foreach (var (item, itemPath) in Sequence(ingressNode, Join(path, "status.loadBalancer.ingress")))
                {
                    if (item is not YamlMappingNode entry)
                    {
                        Error(item, itemPath, $"expected a mapping, got {Describe(item)}");
                        continue;
                    }
                    // kube-proxy does not program ingress IPs whose ipMode is Proxy: the load balancer delivers
                    // that traffic to the node's own address, not to the ingress IP.
                    if (OptionalString(entry, "ipMode", itemPath) == "Proxy")
                        continue;
                    if (Child(entry, "ip") is { } ipNode && !IsNullNode(ipNode))
                        AddAddress(ipNode, Join(itemPath, "ip"), ingress, allowNone: false);
                }
            }

            if (Errors.Count > errorsBefore || name.Length == 0)
                return;
            var key = $"{ns}/{name}";
            if (!_serviceKeys.Add(key))
            {
                Error(obj, path, $"Service {key} appears more than once");
                return;
            }
            Services.Add(new ServiceResource
            {
                Namespace = ns,
                Name = name,
                Type = type,
                ClusterIPs = clusterIPs,
                IpFamilies = families,
                ExternalIPs = externalIPs,
                LoadBalancerIngress = ingress,
                Ports = ports,
                ExternalTrafficPolicy = externalPolicy,
                InternalTrafficPolicy = internalPolicy,
                SessionAffinity = affinity,
                AffinityTimeoutSeconds = timeout,
                Location = At(obj),
            });
        }

        private TrafficPolicy ReadTrafficPolicy(YamlMappingNode spec, string field, string specPath) =>
            OptionalString(spec, field, specPath) switch
            {
                null or "" or "Cluster" => TrafficPolicy.Cluster,
                "Local" => TrafficPolicy.Local,
                var other => Invalid(spec, field, specPath, $"unknown {field} '{other}' (expected Cluster or Local)", TrafficPolicy.Cluster),
            };

        private ServicePortSpec? ReadServicePort(YamlNode node, string path)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, path, $"expected a mapping, got {Describe(node)}");
                return null;
            }
            var before = Errors.Count;
            var name = OptionalString(map, "name", path) ?? "";
            var protocol = ReadProtocol(map, path);
            var portNode = Child(map, "port");
            var port = 0;
            if (portNode is null || IsNullNode(portNode))
                Error(map, Join(path, "port"), "missing port");
            else
                port = PortNumber(portNode, Join(path, "port"), allowZero: false);

            var targetNumber = 0;
            string? targetName = null;
            if (Child(map, "targetPort") is { } targetNode && !IsNullNode(targetNode))
            {
                var targetPath = Join(path, "targetPort");
                if (targetNode is YamlScalarNode { Style: ScalarStyle.Plain } plain && IsInteger(plain.Value))
                {
                    targetNumber = PortNumber(targetNode, targetPath, allowZero: false);
                }
                else if (ScalarText(targetNode, targetPath) is { } text)
                {
                    if (!IsPortName(text))
                        Error(targetNode, targetPath, $"'{text}' is neither a port number nor a valid port name (1-15 lowercase letters, digits and '-', at least one letter)");
                    else
                        targetName = text;
                }
            }
            else
            {
                targetNumber = port; // targetPort defaults to port
            }

            var nodePort = 0;
            var nodePortNode = Child(map, "nodePort");
            if (nodePortNode is not null && !IsNullNode(nodePortNode))
                nodePort = PortNumber(nodePortNode, Join(path, "nodePort"), allowZero: true);

            if (Errors.Count > before)
                return null;
            return new ServicePortSpec
            {
                Name = name,
                Protocol = protocol,
                Port = port,
                TargetPortNumber = targetNumber,
                TargetPortName = targetName,
                NodePort = nodePort,
                Location = At(map),
                NodePortLocation = At(nodePortNode ?? map),
            };
        }

        private ServiceProtocol ReadProtocol(YamlMappingNode map, string path) =>
            OptionalString(map, "protocol", path) switch
            {
                null or "" or "TCP" => ServiceProtocol.Tcp,
                "UDP" => ServiceProtocol.Udp,
                "SCTP" => ServiceProtocol.Sctp,
                var other => Invalid(map, "protocol", path, $"unknown protocol '{other}' (expected TCP, UDP or SCTP)", ServiceProtocol.Tcp),
            };

        private void ReadSlice(YamlMappingNode obj, string path)
        {
            var (ns, name) = ReadMetadata(obj, path, out var metadata);
            var before = Errors.Count;
            string? serviceName = null;
            if (metadata is not null && Child(metadata, "labels") is YamlMappingNode labels)
                serviceName = OptionalString(labels, ServiceDefaults.ServiceNameLabel, Join(path, "metadata.labels"));

            var addressTypeNode = Child(obj, "addressType");
            byte family = 0;
            switch (addressTypeNode is null ? null : ScalarText(addressTypeNode, Join(path, "addressType")))
            {
                case "IPv4": family = 4; break;
                case "IPv6": family = 6; break;
                case "FQDN":
                    Warnings.Add($"{At(obj)}: {Join(path, "")}ignored FQDN EndpointSlice {ns}/{name}");
                    return;
                case null:
                    Error(addressTypeNode ?? obj, Join(path, "addressType"), "missing addressType (IPv4, IPv6 or FQDN)");
                    return;
                case var other:
                    Error(addressTypeNode!, Join(path, "addressType"), $"unknown addressType '{other}' (expected IPv4, IPv6 or FQDN)");
                    return;
            }

            var endpoints = new List<EndpointSpec>();
            if (Child(obj, "endpoints") is { } endpointsNode)
            {
                foreach (var (item, itemPath) in Sequence(endpointsNode, Join(path, "endpoints")))
                {
                    if (ReadEndpoint(item, itemPath, family) is { } endpoint)
                        endpoints.Add(endpoint);
                }
            }

            var ports = new List<EndpointPortSpec>();
            if (Child(obj, "ports") is { } portsNode)
            {
                foreach (var (item, itemPath) in Sequence(portsNode, Join(path, "ports")))
                {
                    if (item is not YamlMappingNode map)
                    {
                        Error(item, itemPath, $"expected a mapping, got {Describe(item)}");
                        continue;
                    }
                    var portNode = Child(map, "port");
                    ports.Add(new EndpointPortSpec
                    {
                        Name = OptionalString(map, "name", itemPath) ?? "",
                        Protocol = ReadProtocol(map, itemPath),
                        Port = portNode is null || IsNullNode(portNode) ? 0 : PortNumber(portNode, Join(itemPath, "port"), allowZero: false),
                    });
                }
            }

            if (Errors.Count > before || name.Length == 0)
                return;
            if (!_sliceKeys.Add($"{ns}/{name}"))
            {
                Error(obj, path, $"EndpointSlice {ns}/{name} appears more than once");
                return;
            }
            if (serviceName is null)
                Warnings.Add($"{At(obj)}: {Join(path, "")}EndpointSlice {ns}/{name} has no '{ServiceDefaults.ServiceNameLabel}' label; ignored");
            Slices.Add(new EndpointSliceResource
            {
                Namespace = ns,
                Name = name,
                ServiceName = serviceName,
                AddressFamily = family,
                Endpoints = endpoints,
                Ports = ports,
                Location = At(obj),
            });
        }

        private EndpointSpec? ReadEndpoint(YamlNode node, string path, byte family)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, path, $"expected a mapping, got {Describe(node)}");
                return null;
            }
            var before = Errors.Count;
            var addresses = new List<ServiceAddress>();
            var addressesNode = Child(map, "addresses");
            if (addressesNode is null || IsNullNode(addressesNode))
            {
                Error(map, Join(path, "addresses"), "missing addresses");
            }
            else
            {
                foreach (var (item, itemPath) in Sequence(addressesNode, Join(path, "addresses")))
                {
                    var count = addresses.Count;
                    AddAddress(item, itemPath, addresses, allowNone: false);
                    if (addresses.Count > count && addresses[^1].Version != family)
                        Error(item, itemPath, $"IPv{addresses[^1].Version} address in an IPv{family} EndpointSlice");
                }
            }

            bool? ready = null, serving = null, terminating = null;
            if (Child(map, "conditions") is { } conditionsNode && !IsNullNode(conditionsNode))
            {
                if (conditionsNode is not YamlMappingNode conditions)
                {
                    Error(conditionsNode, Join(path, "conditions"), $"expected a mapping, got {Describe(conditionsNode)}");
                }
                else
                {
                    ready = OptionalBool(conditions, "ready", Join(path, "conditions"));
                    serving = OptionalBool(conditions, "serving", Join(path, "conditions"));
                    terminating = OptionalBool(conditions, "terminating", Join(path, "conditions"));
                }
            }
            var nodeName = OptionalString(map, "nodeName", path);
            if (Errors.Count > before)
                return null;
            var isReady = ready ?? true;
            return new EndpointSpec
            {
                Addresses = addresses,
                Ready = isReady,
                Serving = serving ?? isReady,
                Terminating = terminating ?? false,
                NodeName = string.IsNullOrEmpty(nodeName) ? null : nodeName,
                Location = At(map),
            };
        }

        // ---- values --------------------------------------------------------------------------------------------

        private T Invalid<T>(YamlMappingNode map, string field, string path, string message, T fallback)
        {
            Error(Child(map, field) ?? map, Join(path, field), message);
            return fallback;
        }

        private void AddAddress(YamlNode node, string path, List<ServiceAddress> into, bool allowNone)
        {
            var text = ScalarText(node, path);
            if (text is null)
                return;
            if (allowNone && (text.Length == 0 || text == "None"))
                return;
            if (!ServiceAddress.TryParse(text, out var address))
            {
                Error(node, path, $"'{text}' is not a valid IP address");
                return;
            }
            into.Add(address);
        }

        private int PortNumber(YamlNode node, string path, bool allowZero)
        {
            if (Integer(node, path) is not { } value)
                return 0;
            if (value < (allowZero ? 0 : 1) || value > 65535)
            {
                Error(node, path, $"{value} is not a valid port number (must be {(allowZero ? 0 : 1)}..65535)");
                return 0;
            }
            return (int)value;
        }

        private long? Integer(YamlNode node, string path)
        {
            if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar && IsInteger(scalar.Value)
                && long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
                return value;
            Error(node, path, $"expected an integer, got {Describe(node)}");
            return null;
        }

        private bool? OptionalBool(YamlMappingNode map, string field, string path)
        {
            var node = Child(map, field);
            if (node is null || IsNullNode(node))
                return null;
            if (node is YamlScalarNode { Style: ScalarStyle.Plain } scalar)
            {
                if (string.Equals(scalar.Value, "true", StringComparison.OrdinalIgnoreCase))
                    return true;
                if (string.Equals(scalar.Value, "false", StringComparison.OrdinalIgnoreCase))
                    return false;
            }
            Error(node, Join(path, field), $"expected true or false, got {Describe(node)}");
            return null;
        }

        /// <summary>The field's text; null when it is absent or null; an error (and null) when it is not a scalar.</summary>
        private string? OptionalString(YamlMappingNode map, string field, string path)
        {
            var node = Child(map, field);
            return node is null || IsNullNode(node) ? null : ScalarText(node, Join(path, field));
        }

        private string? ScalarText(YamlNode node, string path)
        {
            if (node is YamlScalarNode scalar)
                return IsNull(scalar) ? null : scalar.Value ?? "";
            Error(node, path, $"expected a string, got {Describe(node)}");
            return null;
        }

        private IEnumerable<(YamlNode Node, string Path)> Sequence(YamlNode node, string path)
        {
            if (IsNullNode(node))
                yield break;
            if (node is not YamlSequenceNode sequence)
            {
                Error(node, path, $"expected a list, got {Describe(node)}");
                yield break;
            }
            for (var i = 0; i < sequence.Children.Count; i++)
                yield return (sequence.Children[i], $"{path}[{i}]");
        }

        private static YamlNode? Child(YamlMappingNode map, string key) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value : null;

        private static bool IsNullNode(YamlNode node) => node is YamlScalarNode scalar && IsNull(scalar);

        private static bool IsNull(YamlScalarNode scalar) =>
            scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

        private static bool IsInteger(string? text)
        {
            if (string.IsNullOrEmpty(text))
                return false;
            var start = text[0] is '-' or '+' ? 1 : 0;
            if (start == text.Length || text.Length - start > 18)
                return false;
            for (var i = start; i < text.Length; i++)
            {
                if (text[i] is < '0' or > '9')
                    return false;
            }
            return true;
        }

        private static bool IsPortName(string text)
        {
            if (text.Length is 0 or > 15 || text[0] == '-' || text[^1] == '-' || text.Contains("--", StringComparison.Ordinal))
                return false;
            var letter = false;
            foreach (var c in text)
            {
                if (c is >= 'a' and <= 'z')
                    letter = true;
                else if (c is not (>= '0' and <= '9') and not '-')
                    return false;
            }
            return letter;
        }

        private static string Describe(YamlNode node) => node switch
        {
            YamlMappingNode => "a mapping",
            YamlSequenceNode => "a list",
            YamlScalarNode scalar when IsNull(scalar) => "null",
            YamlScalarNode scalar => $"'{Shorten(scalar.Value ?? "")}'",
            _ => "something else",
        };

        private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

        private static string Join(string path, string field) =>
            path.Length == 0 ? field : field.Length == 0 ? path + ": " : $"{path}.{field}";
    }
}
