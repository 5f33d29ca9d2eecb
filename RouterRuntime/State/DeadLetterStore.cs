using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Dead letters, oldest first, indexed by id, bounded per pipeline by its retention (a count and an age).
/// Time comes from the command being applied, never the local clock.
/// </summary>
public sealed class DeadLetterStore
{
    private readonly Dictionary<string, DeadLetter> byId = new(StringComparer.Ordinal);
    private readonly List<DeadLetter> ordered = [];

    public int Count => ordered.Count;

    public IReadOnlyList<DeadLetter> All => ordered;

    public void Clear()
    {
        byId.Clear();
        ordered.Clear();
    }

    public bool Contains(string id) => byId.ContainsKey(id);

    public void Add(DeadLetter deadLetter)
    {
        byId[deadLetter.Id] = deadLetter;
        ordered.Add(deadLetter);
    }

    public int CountFor(PipelineRef pipeline) => ordered.Count(d => SamePipeline(d.Pipeline, pipeline));

    /// <summary>Drops the pipeline's dead letters beyond its count or older than its retention; returns how many.</summary>
    public int Enforce(PipelineRef pipeline, DeadLetterPolicy? policy, Timestamp now)
    {
        var maxRecords = policy is { MaxRecords: > 0 } ? (int)policy.MaxRecords : DeadLetterSpec.DefaultMaxRecords;
        var retention = policy?.Retention is { } r && r.ToTimeSpan() > TimeSpan.Zero ? r.ToTimeSpan() : TimeSpan.FromHours(168);
        var cutoff = now.ToDateTimeOffset() - retention;

        var mine = ordered.Where(d => SamePipeline(d.Pipeline, pipeline)).ToList();
        var excess = Math.Max(0, mine.Count - maxRecords);
        var doomed = mine.Take(excess)
            .Concat(mine.Where(d => d.StoredAt is not null && d.StoredAt.ToDateTimeOffset() < cutoff))
            .Select(d => d.Id)
            .ToHashSet(StringComparer.Ordinal);
        return Remove(doomed);
    }

    public int Remove(IReadOnlySet<string> ids)
    {
        if (ids.Count == 0) return 0;
        var removed = ordered.RemoveAll(d => ids.Contains(d.Id));
        foreach (var id in ids) byId.Remove(id);
        return removed;
    }

    public IEnumerable<DeadLetter> Matching(DeadLetterFilter? filter) => ordered.Where(d => Matches(d, filter));

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

    private static bool SamePipeline(PipelineRef? a, PipelineRef b) => a is not null && a.Namespace == b.Namespace && a.Name == b.Name;
}
