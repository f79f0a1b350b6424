using System.Reflection;

namespace PreDnatAppliance.Deployment.Tests.Infrastructure;

/// <summary>The checked-out repository these tests were built from (the files under test are read, not copied).</summary>
public static class Repository
{
    public static string Root { get; } = typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    /// <summary>A copy of <paramref name="text"/> with <paramref name="from"/> replaced; fails when it does not occur, so a broken copy is really broken.</summary>
    public static string Break(string text, string from, string to)
    {
        Assert.Contains(from, text);
        return text.Replace(from, to, StringComparison.Ordinal);
    }
}
