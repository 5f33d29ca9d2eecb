namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// Which pipelines each sidecar runs a stage of, and which sidecars each pipeline's stages run on: what lets a
/// sidecar's assignments be read without walking every pipeline, and a change wake only the sidecars it
/// concerns. Updated after each log entry for the pipelines it touched (rebuilt whole only after a restore or a
/// snapshot); guarded by <see cref="RouterState.Sync"/>.
/// </summary>
internal sealed class AssignmentIndex
{
    private static readonly HashSet<string> None = [];
    private readonly Dictionary<string, HashSet<string>> pipelinesOf = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> sidecarsOf = new(StringComparer.Ordinal);

    public static AssignmentIndex Of(IReadOnlyDictionary<string, Log.StoredPipeline> pipelines)
    {
        var index = new AssignmentIndex();
        foreach (var (key, pipeline) in pipelines)
        {
            foreach (var stage in pipeline.Stages)
            {
                foreach (var sidecar in stage.Sidecars)
                {
                    Add(index.pipelinesOf, sidecar, key);
                    Add(index.sidecarsOf, key, sidecar);
                }
            }
        }

        return index;
    }

    /// <summary>Re-reads the given pipelines' stages (a deleted one is dropped).</summary>
    public void Update(IReadOnlyDictionary<string, Log.StoredPipeline> pipelines, IEnumerable<string> keys)
    {
        foreach (var key in keys)
        {
            if (sidecarsOf.Remove(key, out var previous))
            {
                foreach (var sidecar in previous)
                {
                    if (pipelinesOf.TryGetValue(sidecar, out var set) && set.Remove(key) && set.Count == 0) pipelinesOf.Remove(sidecar);
                }
            }

            if (!pipelines.TryGetValue(key, out var pipeline)) continue;
            foreach (var stage in pipeline.Stages)
            {
                foreach (var sidecar in stage.Sidecars)
                {
                    Add(pipelinesOf, sidecar, key);
                    Add(sidecarsOf, key, sidecar);
                }
            }
        }
    }

    /// <summary>The pipelines the sidecar runs at least one stage of.</summary>
    public IReadOnlySet<string> PipelinesOf(string sidecarId) => pipelinesOf.GetValueOrDefault(sidecarId) ?? None;

    /// <summary>The sidecars that run at least one stage of the pipeline.</summary>
    public IReadOnlySet<string> SidecarsOf(string pipelineKey) => sidecarsOf.GetValueOrDefault(pipelineKey) ?? None;

    private static void Add(Dictionary<string, HashSet<string>> map, string key, string value)
    {
        if (!map.TryGetValue(key, out var set)) map[key] = set = new HashSet<string>(StringComparer.Ordinal);
        set.Add(value);
    }
}
