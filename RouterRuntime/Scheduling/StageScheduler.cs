using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// Decides which sidecars run every stage. A pure function of the replicated state, run inside the state
/// machine, so every node computes the same assignments at the same log index. Two entry points, one rule
/// (<see cref="AssignmentRule"/>, checked by <see cref="SchedulingInvariant"/>): <see cref="Schedule"/> after
/// sidecars come or go, <see cref="ScheduleGroups"/> after pipeline writes. Within the rule, an assignment that
/// still stands stays (no churn when a sidecar joins) and missing replicas go to the least-loaded candidates
/// (<see cref="GroupAssignment"/>).
/// </summary>
internal static class StageScheduler
{
    /// <summary>
    /// Reassigns in place; returns the new epoch (the old one when nothing changed). With
    /// <paramref name="affected"/>, only stages of those services (and stages with an explicit endpoint, whose
    /// candidates are all sidecars) are reconsidered; the rest keep their sidecars and only count as load, so
    /// a write costs a pass over the stages, not a reschedule of every pipeline.
    /// </summary>
    /// <param name="index">The sidecars indexed for candidate lookups, when the caller keeps one (built here otherwise, once needed).</param>
    public static ulong Schedule(IReadOnlyList<StoredPipeline> pipelines, IReadOnlyList<StoredSidecar> sidecars, ulong epoch, IReadOnlySet<(StageKind, string)>? affected = null, Lazy<CandidateIndex>? index = null)
    {
        // Stages per sidecar id; absent is 0 (no pass over every sidecar just to write zeros).
        var load = new Dictionary<string, int>(StringComparer.Ordinal);
        var groups = new List<(SharedStageKey Key, List<(StageDefinition Definition, StoredStage Stored)> Members)>();
        var byKey = new Dictionary<SharedStageKey, List<(StageDefinition, StoredStage)>>();

        foreach (var pipeline in pipelines)
        {
            foreach (var definition in pipeline.Definition.Stages)
            {
                var stored = PipelineStages.Stored(pipeline, definition);

                if (affected is not null && definition.Endpoint.Length == 0 && !affected.Contains((definition.Kind, definition.Service)))
                {
                    foreach (var id in stored.Sidecars) load[id] = load.GetValueOrDefault(id) + 1;
                    continue;
                }

                var key = SharedStageKey.Of(pipeline.Definition.Ref.Namespace, definition);
                if (!byKey.TryGetValue(key, out var members))
                {
                    members = [];
                    byKey[key] = members;
                    groups.Add((key, members));
                }

                members.Add((definition, stored));
            }

            PipelineStages.RemoveStale(pipeline);
        }

        var next = epoch + 1;
        var changed = false;
        var candidates = index ?? new Lazy<CandidateIndex>(() => new CandidateIndex(sidecars));
        foreach (var (key, members) in groups)
            changed |= GroupAssignment.Assign(key, members, candidates.Value, () => load, ids => { foreach (var id in ids) load[id] = load.GetValueOrDefault(id) + 1; }, next);
        return changed ? next : epoch;
    }

    /// <summary>
    /// Reassigns only the groups of <paramref name="keys"/> (the stages a pipeline apply or delete touched); the
    /// other stages keep their sidecars. Load is counted (over every stage) only when a group needs new sidecars.
    /// </summary>
    public static ulong ScheduleGroups(IReadOnlyDictionary<string, StoredPipeline> pipelines, StageGroups index, IReadOnlyCollection<SharedStageKey> keys, IReadOnlySet<string> written, IReadOnlyList<StoredSidecar> sidecars, ulong epoch, Lazy<CandidateIndex>? candidateIndex = null)
    {
        var groups = keys
            .Select(key => (Key: key, Members: index.Members(key)))
            .Where(group => group.Members.Count > 0)
            .OrderBy(group => group.Members.First().Pipeline, StringComparer.Ordinal).ThenBy(group => group.Members.First().Stage)
            .ToList();
        (StageDefinition Definition, StoredStage Stored) Resolve((string Pipeline, int Stage) member)
        {
            var pipeline = pipelines[member.Pipeline];
            var definition = pipeline.Definition.Stages[member.Stage];
            return (definition, PipelineStages.Stored(pipeline, definition));
        }

        // Load (stages per sidecar) counts every stage but those still to be assigned in this pass; it is
        // counted only when a group needs new sidecars, so a write to an assigned group never passes over all.
        var pending = keys.ToHashSet();
        Dictionary<string, int>? load = null;
        Dictionary<string, int> Load()
        {
            if (load is not null) return load;
            load = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var pipeline in pipelines.Values)
            {
                foreach (var definition in pipeline.Definition.Stages)
                {
                    if (pending.Contains(SharedStageKey.Of(pipeline.Definition.Ref.Namespace, definition))) continue;
                    foreach (var id in PipelineStages.Stored(pipeline, definition).Sidecars) load[id] = load.GetValueOrDefault(id) + 1;
                }
            }

            return load;
        }

        void Charge(IEnumerable<string> ids)
        {
            if (load is null) return;
            foreach (var id in ids) load[id] = load.GetValueOrDefault(id) + 1;
        }

        var next = epoch + 1;
        var changed = false;
        var candidates = candidateIndex?.Value ?? new CandidateIndex(sidecars);
        foreach (var (key, members) in groups)
        {
            changed |= GroupAssignment.AssignWritten(key, members, written, index, pipelines, Resolve, candidates, Charge, next)
                ?? GroupAssignment.Assign(key, members.Select(Resolve).ToList(), candidates, Load, Charge, next);
            pending.Remove(key);
        }

        return changed ? next : epoch;
    }
}
