namespace EtlRouter.Contracts.Routing;

/// <summary>
/// Tags a transform attaches to a record, for conditional edges to route on (<c>tag 'eu'</c>): the record header
/// <see cref="Header"/>, names separated by commas. A transform adds to it and keeps what was there.
/// </summary>
public static class RecordTags
{
    public const string Header = "etl-router.io/tags";

    /// <summary>The tags in a header value: trimmed, empty names left out.</summary>
    public static IReadOnlySet<string> Parse(string? header) =>
        string.IsNullOrEmpty(header)
            ? EmptySet
            : header.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>The header value with <paramref name="tags"/> added to what <paramref name="header"/> held, in order, once each.</summary>
    public static string Add(string? header, IEnumerable<string> tags) =>
        string.Join(',', (header ?? string.Empty).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Concat(tags).Distinct(StringComparer.Ordinal));

    private static readonly IReadOnlySet<string> EmptySet = new HashSet<string>();
}
