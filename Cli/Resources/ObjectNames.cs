using EtlRouter.Pipelines.Rules;

namespace EtlRouter.Cli.Resources;

/// <summary>
/// Checks names typed on the command line before a command acts on any of them: every kind of ours is named by a
/// DNS label (lowercase letters, digits and '-', at most 63), so an empty name, a path or an option-like word is
/// refused with the reason instead of being sent anywhere.
/// </summary>
internal static class ObjectNames
{
    /// <summary>Throws a usage error naming every bad name, or returns when all are sound.</summary>
    public static void Check(IEnumerable<string> names, string what = "name")
    {
        var problems = names.Select(n => Problem(n, what)).OfType<string>().ToList();
        if (problems.Count > 0) throw new CliException(string.Join("; ", problems) + "; nothing was done", ExitCodes.Usage);
    }

    private static string? Problem(string name, string what)
    {
        if (name.Length == 0) return $"an empty {what}";
        var shown = name.Length > 70 ? name[..67] + "..." : name;
        if (name.Length > ResourceNames.MaxNameLength) return $"{what} '{shown}' is {name.Length} characters long (at most {ResourceNames.MaxNameLength})";
        if (name.IndexOfAny(['/', '\\']) >= 0 || name.Contains("..", StringComparison.Ordinal)) return $"{what} '{shown}' holds path characters; give the object's name only (namespaces go in -n)";
        return ResourceNames.DnsLabel().IsMatch(name) ? null : $"{what} '{shown}' is not a valid name (lowercase letters, digits and '-', starting and ending with a letter or digit)";
    }
}
