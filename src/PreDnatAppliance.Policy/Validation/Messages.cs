using System.Globalization;

namespace PreDnatAppliance.Policy.Validation;

/// <summary>
/// The Kubernetes API server's wording for CRD schema failures (enum, bounds, MaxItems), which is what
/// Calico users see for those checks since Calico moved them from Go into its CRDs.
/// </summary>
internal static class Messages
{
    public static string Unsupported(string value, params string[] supported) =>
        $"Unsupported value: \"{value}\": supported values: {string.Join(", ", supported.Select(s => "\"" + s + "\""))}";

    public static string UnsupportedNumber(long value, params int[] supported) =>
        $"Unsupported value: {value.ToString(CultureInfo.InvariantCulture)}: supported values: {string.Join(", ", supported.Select(s => s.ToString(CultureInfo.InvariantCulture)))}";

    public static string TooMany(int count, int max) =>
        $"Too many: {count.ToString(CultureInfo.InvariantCulture)}: must have at most {max.ToString(CultureInfo.InvariantCulture)} items";

    public static string TooLong(int max) =>
        $"Too long: may not be more than {max.ToString(CultureInfo.InvariantCulture)} bytes";

    public static string AtMost(string field, long value, long max) =>
        $"Invalid value: {value.ToString(CultureInfo.InvariantCulture)}: {field} in body should be less than or equal to {max.ToString(CultureInfo.InvariantCulture)}";

    public static string AtLeast(string field, long value, long min) =>
        $"Invalid value: {value.ToString(CultureInfo.InvariantCulture)}: {field} in body should be greater than or equal to {min.ToString(CultureInfo.InvariantCulture)}";

    public static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
