using System.Collections;
using System.Globalization;
using System.Reflection;

namespace PreDnatAppliance.Hosting;

/// <summary>
/// Finds configuration keys that name no setting, by walking each key's segments through the settings types
/// (properties by name, ignoring case; list elements by index). The binder would stop at the first one and without its
/// path; this reports every one as the layers spell it.
/// </summary>
public static class ConfigurationKeys
{
    public static IEnumerable<string> Unknown(IEnumerable<string> keys, Type root, string prefix)
    {
        var reported = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var key in keys)
        {
            var type = root;
            var segments = key.Split(':');
            for (var i = 0; i < segments.Length; i++)
            {
                var next = Step(type, segments[i]);
                if (next is null)
                {
                    var path = prefix + string.Join(':', segments.Take(i + 1));
                    if (reported.Add(path))
                        yield return $"{path}: unknown key (no such setting in {FriendlyName(type)})";
                    break;
                }
                type = next;
            }
        }
    }

    private static Type? Step(Type type, string segment)
    {
        if (type != typeof(string) && type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>)) is { } list)
            return int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? list.GetGenericArguments()[0] : null;
        if (type.IsPrimitive || type.IsEnum || type == typeof(string) || Nullable.GetUnderlyingType(type) is not null || typeof(IEnumerable).IsAssignableFrom(type))
            return null;
        var property = type.GetProperty(segment, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
        return property is { CanWrite: true } || property?.PropertyType.IsClass == true && property.PropertyType != typeof(string) ? property.PropertyType : null;
    }

    private static string FriendlyName(Type type) => type.IsGenericType ? type.Name[..type.Name.IndexOf('`')] : type.Name;
}
