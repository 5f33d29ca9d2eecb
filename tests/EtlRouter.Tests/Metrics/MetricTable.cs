using System.Text.RegularExpressions;
using EtlRouter.Tests.Support;

namespace EtlRouter.Tests.Metrics;

/// <summary>
/// The metrics doc's table of metric names (docs/metrics.md) (between its metrics-table markers): each row's Prometheus family name,
/// the process that exports it, and whether it shows from the start or only once it happened.
/// </summary>
internal static partial class MetricTable
{
    public sealed record Row(string Name, string Process, bool Always);

    public static IReadOnlyList<Row> Read()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "docs", "metrics.md"));
        var start = readme.IndexOf("<!-- metrics-table:start -->", StringComparison.Ordinal);
        var end = readme.IndexOf("<!-- metrics-table:end -->", StringComparison.Ordinal);
        if (start < 0 || end < start) throw new InvalidOperationException("docs/metrics.md has no metrics-table markers");
        return RowPattern().Matches(readme[start..end])
            .Select(m => new Row(m.Groups["name"].Value, m.Groups["process"].Value, m.Groups["shows"].Value == "always"))
            .ToList();
    }

    /// <summary>The metric families (# TYPE lines) of a Prometheus scrape that are ours (etl_).</summary>
    public static IReadOnlySet<string> Families(string scrape) =>
        TypeLine().Matches(scrape).Select(m => m.Groups["name"].Value).Where(n => n.StartsWith("etl_", StringComparison.Ordinal)).ToHashSet();

    // | `etl_router_raft_term` | router | gauge | ... | always |
    [GeneratedRegex(@"^\| `(?<name>etl_[a-z_]+)` \| (?<process>router|sidecar|operator) \|[^\n]*\| (?<shows>always|once used) \|\s*$", RegexOptions.Multiline)]
    private static partial Regex RowPattern();

    [GeneratedRegex(@"^# TYPE (?<name>\S+) ", RegexOptions.Multiline)]
    private static partial Regex TypeLine();
}
