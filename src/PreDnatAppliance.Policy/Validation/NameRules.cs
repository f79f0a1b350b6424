using System.Globalization;
using System.Text.RegularExpressions;
using PreDnatAppliance.Policy.Resources;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>
/// Calico's (libcalico-go validator) and Kubernetes' naming rules, with their messages.
/// Patterns use \z because .NET's $ also matches before a trailing newline, which Go's does not.
/// </summary>
internal static class NameRules
{
    private const string LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
    private const string SubdomainFmt = LabelFmt + "(\\." + LabelFmt + ")*";

    private static readonly Regex Subdomain = Compile("^" + SubdomainFmt + "\\z");
    private static readonly Regex Label = Compile("^" + LabelFmt + "\\z");

    // One optional dot for the legacy "<tier>." prefix; Kubernetes-derived names keep their own prefixes.
    private static readonly Regex NetworkPolicyName =
        Compile("^((" + LabelFmt + ")(\\." + LabelFmt + ")?|((?:knp|ossg)\\.default\\.(" + SubdomainFmt + ")))\\z");
    private static readonly Regex GlobalNetworkPolicyName = Compile("^(" + LabelFmt + "\\.)?" + LabelFmt + "\\z");

    private static readonly Regex Interface = Compile("^[a-zA-Z0-9_.-]{1,15}\\z");

    public const string SubdomainMessage = "name must consist of lower case alphanumeric characters, '-' or '.' (regex: " + SubdomainFmt + ")";
    public const string LabelMessage = "name must consist of lower case alphanumeric characters or '-' (regex: " + LabelFmt + ")";

    /// <summary>Calico's metadata.name check for the kind, or null when valid.</summary>
    public static string? CheckResourceName(ResourceKind kind, string name)
    {
        var (maxLength, regex, message) = kind switch
        {
            ResourceKind.GlobalNetworkPolicy => (Limits.MaxSubdomainLength, GlobalNetworkPolicyName, LabelMessage),
            ResourceKind.NetworkPolicy => (Limits.MaxSubdomainLength, NetworkPolicyName, LabelMessage),
            ResourceKind.Tier => (Limits.MaxLabelLength, Label, LabelMessage),
            _ => (Limits.MaxSubdomainLength, Subdomain, SubdomainMessage),
        };
        if (name.Length > maxLength)
            return $"name is too long by {(name.Length - maxLength).ToString(CultureInfo.InvariantCulture)} bytes";
        return regex.IsMatch(name) ? null : message;
    }

    /// <summary>The "name" validator tag: a DNS-1123 subdomain (tier, node, profiles, service names).</summary>
    public static bool IsSubdomain(string? value) => value is not null && Subdomain.IsMatch(value);

    /// <summary>Kubernetes namespaces are DNS-1123 labels.</summary>
    public static bool IsLabel(string? value) => value is not null && value.Length <= Limits.MaxLabelLength && Label.IsMatch(value);

    public static bool IsInterfaceName(string value) => value == "*" || Interface.IsMatch(value);

    /// <summary>Kubernetes IsValidPortName (IANA_SVC_NAME): the rule Calico applies to endpoint port names.</summary>
    public static IReadOnlyList<string> PortNameProblems(string name)
    {
        var problems = new List<string>();
        if (name.Length > 15)
            problems.Add("must be no more than 15 characters");
        if (name.Length == 0 || !name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            problems.Add("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
        if (!name.Any(c => c is >= 'a' and <= 'z'))
            problems.Add("must contain at least one letter (a-z)");
        if (name.Contains("--"))
            problems.Add("must not contain consecutive hyphens");
        if (name.Length > 0 && (name[0] == '-' || name[name.Length - 1] == '-'))
            problems.Add("must not begin or end with a hyphen");
        return problems;
    }

    private static readonly Regex QualifiedNamePart = Compile("^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\\z");
    private static readonly Regex LabelValue = Compile("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\\z");

    private const string QualifiedNameRegexError =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

    private const string SubdomainRegexError =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character " +
        "(e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

    /// <summary>Kubernetes IsQualifiedName (label keys), with its messages.</summary>
    public static IReadOnlyList<string> LabelKeyProblems(string key)
    {
        var problems = new List<string>();
        var parts = key.Split('/');
        string name;
        switch (parts.Length)
        {
            case 1:
                name = parts[0];
                break;
            case 2:
                var prefix = parts[0];
                name = parts[1];
                if (prefix.Length == 0)
                    problems.Add("prefix part must be non-empty");
                else
                {
                    if (prefix.Length > Limits.MaxSubdomainLength)
                        problems.Add("prefix part must be no more than 253 characters");
                    if (!Subdomain.IsMatch(prefix))
                        problems.Add("prefix part " + SubdomainRegexError);
                }
                break;
            default:
                problems.Add("a qualified name " + QualifiedNameRegexError + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
                return problems;
        }
        if (name.Length == 0)
            problems.Add("name part must be non-empty");
        else if (name.Length > Limits.MaxLabelLength)
            problems.Add("name part must be no more than 63 characters");
        if (name.Length > 0 && !QualifiedNamePart.IsMatch(name))
            problems.Add("name part " + QualifiedNameRegexError);
        return problems;
    }

    /// <summary>Kubernetes IsValidLabelValue, with its messages.</summary>
    public static IReadOnlyList<string> LabelValueProblems(string value)
    {
        var problems = new List<string>();
        if (value.Length > Limits.MaxLabelLength)
            problems.Add("must be no more than 63 characters");
        if (!LabelValue.IsMatch(value))
            problems.Add("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character " +
                         "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
        return problems;
    }

    private static Regex Compile(string pattern) => new(pattern, RegexOptions.CultureInvariant);
}
