using EtlRouter.Contracts.V1;
using EtlRouter.Pipelines.Definitions;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Dead letters, oldest first, indexed by id and by pipeline, bounded per pipeline by its retention (a count
/// and an age). Time comes from the command being applied, never the local clock. The per-pipeline index keeps
/// counts and retention proportional to one pipeline's dead letters, not to all of them.
/// </summary>
internal sealed class DeadLetterStore
{
    // The CRD's default, for dead letters of a pipeline the router does not hold (or one sent without a policy).

    private readonly Dictionary<string, DeadLetter> byId = new(StringComparer.Ordinal);
    private readonly List<DeadLetter> ordered = [];
    private readonly SortedDictionary<string, List<DeadLetter>> byPipeline = new(StringComparer.Ordinal);

    public int Count => ordered.Count;

    public IReadOnlyList<DeadLetter> All => ordered;

    public void Clear()
    {
        byId.Clear();
        ordered.Clear();
        byPipeline.Clear();
    }

    public bool Contains(string id) => byId.ContainsKey(id);

    public DeadLetter? Get(string id) => byId.GetValueOrDefault(id);

    public void Add(DeadLetter deadLetter)
    {
        byId[deadLetter.Id] = deadLetter;
        ordered.Add(deadLetter);
        var key = RouterState.Key(deadLetter.Pipeline);
        if (!byPipeline.TryGetValue(key, out var mine)) byPipeline[key] = mine = [];
        mine.Add(deadLetter);
    }

    public int CountFor(PipelineRef pipeline) => byPipeline.TryGetValue(RouterState.Key(pipeline), out var mine) ? mine.Count : 0;

    /// <summary>Drops the pipeline's dead letters beyond its count or older than its retention; returns how many.</summary>
    public int Enforce(PipelineRef pipeline, DeadLetterPolicy? policy, Timestamp now) =>
        byPipeline.TryGetValue(RouterState.Key(pipeline), out var mine) ? Remove(Expired(mine, policy, now)) : 0;

    /// <summary>Applies every pipeline's retention, visiting only pipelines that hold dead letters.</summary>
    public int EnforceAll(Func<string, DeadLetterPolicy?> policyOf, Timestamp now)
    {
        var doomed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, mine) in byPipeline) doomed.UnionWith(Expired(mine, policyOf(key), now));
        return Remove(doomed);
    }

    public int Remove(IReadOnlySet<string> ids)
    {
        if (ids.Count == 0) return 0;
        var removed = ordered.RemoveAll(d => ids.Contains(d.Id));
        foreach (var id in ids)
        {
            if (!byId.Remove(id, out var deadLetter)) continue;
            var key = RouterState.Key(deadLetter.Pipeline);
            var mine = byPipeline[key];
            mine.Remove(deadLetter);
            if (mine.Count == 0) byPipeline.Remove(key);
        }

        return removed;
    }

    public IEnumerable<DeadLetter> Matching(DeadLetterFilter? filter)
    {
        // A filter on one pipeline reads only that pipeline's dead letters.
        var candidates = filter?.Pipeline is { Namespace.Length: > 0, Name.Length: > 0 } pipeline
            ? byPipeline.GetValueOrDefault(RouterState.Key(pipeline)) ?? []
            : ordered;
        return candidates.Where(d => Matches(d, filter));
    }

    public static bool Matches(DeadLetter deadLetter, DeadLetterFilter? filter)
    {
        if (filter is null) return true;
        if (filter.Pipeline is { } pipeline && (pipeline.Namespace.Length > 0 || pipeline.Name.Length > 0))
        {
            if (pipeline.Namespace.Length > 0 && deadLetter.Pipeline?.Namespace != pipeline.Namespace) return false;
            if (pipeline.Name.Length > 0 && deadLetter.Pipeline?.Name != pipeline.Name) return false;
        }

        if (filter.Stage.Length > 0 && deadLetter.Stage != filter.Stage) return false;
        if (filter.State != DeadLetterState.Unspecified && deadLetter.State != filter.State) return false;
        if (filter.Ids.Count > 0 && !filter.Ids.Contains(deadLetter.Id)) return false;
        if (filter.ErrorContains.Length > 0 && !deadLetter.Error.Contains(filter.ErrorContains, StringComparison.OrdinalIgnoreCase)) return false;
        var at = deadLetter.LastFailedAt ?? deadLetter.StoredAt;
        if (filter.Since is not null && (at is null || at < filter.Since)) return false;
        if (filter.Until is not null && (at is null || at > filter.Until)) return false;
        return true;
    }

    // The oldest beyond the pipeline's count, and everything older than its retention.
    private static HashSet<string> Expired(List<DeadLetter> mine, DeadLetterPolicy? policy, Timestamp now)
    {
        var maxRecords = (int)PipelineDefaults.DeadLetterMaxRecords(policy?.MaxRecords);
        var retention = PipelineDefaults.DeadLetterRetention(policy?.Retention?.ToTimeSpan());
        var cutoff = now.ToDateTimeOffset() - retention;
        return mine.Take(Math.Max(0, mine.Count - maxRecords))
            .Concat(mine.Where(d => d.StoredAt is not null && d.StoredAt.ToDateTimeOffset() < cutoff))
            .Select(d => d.Id)
            .ToHashSet(StringComparer.Ordinal);
    }
}
