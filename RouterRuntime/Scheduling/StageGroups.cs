using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// Which stages share a <see cref="SharedStageKey"/> (and so their sidecars), across all pipelines. Derived from the
/// pipelines, kept in step with every apply and delete and rebuilt after a snapshot is loaded, so a write
/// reschedules the groups it touches instead of passing over every stage of every pipeline.
/// Members are ordered by pipeline key, then stage position: the order the full pass visits them in.
/// </summary>
internal sealed class StageGroups
{
    private static readonly Comparer<(string Pipeline, int Stage)> MemberOrder = Comparer<(string Pipeline, int Stage)>.Create((a, b) =>
    {
        var byPipeline = string.CompareOrdinal(a.Pipeline, b.Pipeline);
        return byPipeline != 0 ? byPipeline : a.Stage.CompareTo(b.Stage);
    });

    private readonly Dictionary<SharedStageKey, SortedSet<(string Pipeline, int Stage)>> groups = [];

    // How many members of each group ask for each replica count, so the group's maximum is known without a pass.
    private readonly Dictionary<SharedStageKey, SortedDictionary<uint, int>> replicas = [];

    public void Add(string pipelineKey, PipelineDefinition definition)
    {
        for (var i = 0; i < definition.Stages.Count; i++)
        {
            var key = SharedStageKey.Of(definition.Ref.Namespace, definition.Stages[i]);
            if (!groups.TryGetValue(key, out var members))
            {
                members = new SortedSet<(string Pipeline, int Stage)>(MemberOrder);
                groups[key] = members;
            }

            members.Add((pipelineKey, i));
            var counts = replicas.TryGetValue(key, out var c) ? c : replicas[key] = [];
            var wanted = Math.Max(1, definition.Stages[i].Replicas);
            counts[wanted] = counts.GetValueOrDefault(wanted) + 1;
        }
    }

    public void Remove(string pipelineKey, PipelineDefinition definition)
    {
        for (var i = 0; i < definition.Stages.Count; i++)
        {
            var key = SharedStageKey.Of(definition.Ref.Namespace, definition.Stages[i]);
            if (!groups.TryGetValue(key, out var members) || !members.Remove((pipelineKey, i))) continue;
            var counts = replicas[key];
            var wanted = Math.Max(1, definition.Stages[i].Replicas);
            if (--counts[wanted] == 0) counts.Remove(wanted);
            if (members.Count == 0)
            {
                groups.Remove(key);
                replicas.Remove(key);
            }
        }
    }

    public void Rebuild(IEnumerable<KeyValuePair<string, StoredPipeline>> pipelines)
    {
        groups.Clear();
        replicas.Clear();
        foreach (var (key, pipeline) in pipelines) Add(key, pipeline.Definition);
    }

    /// <summary>The group's members as (pipeline key, stage position), in visiting order; empty when none.</summary>
    public IReadOnlyCollection<(string Pipeline, int Stage)> Members(SharedStageKey key) =>
        groups.TryGetValue(key, out var members) ? members : [];

    /// <summary>The most replicas any member of the group asks for (at least 1).</summary>
    public uint MaxReplicas(SharedStageKey key) => replicas.TryGetValue(key, out var counts) && counts.Count > 0 ? counts.Keys.Max() : 1;

    /// <summary>The keys of a definition's stages.</summary>
    public static IEnumerable<SharedStageKey> Keys(PipelineDefinition? definition) => definition?.Stages.Select(stage => SharedStageKey.Of(definition.Ref.Namespace, stage)) ?? [];
}
