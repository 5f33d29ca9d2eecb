using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// Decides which sidecars run every stage. A pure function of the replicated state, run inside the state
/// machine, so every node computes the same assignments at the same log index. Rules:
/// <list type="bullet">
/// <item>a stage goes only to live sidecars that registered its service (for a stage with an explicit endpoint,
/// to any live sidecar when none registered it: the sidecar calls the endpoint);</item>
/// <item>an assignment that is still valid stays (no churn when a sidecar joins);</item>
/// <item>missing replicas go to the least-loaded candidate, ties broken by sidecar id, so replicas spread;</item>
/// <item>stages that call the same service with the same settings, in any pipeline, share their sidecars.</item>
/// </list>
/// </summary>
internal static class StageScheduler
{
    /// <summary>
    /// Reassigns in place; returns the new epoch (the old one when nothing changed). With
    /// <paramref name="affected"/>, only stages of those services (and stages with an explicit endpoint, whose
    /// candidates are all sidecars) are reconsidered; the rest keep their sidecars and only count as load, so
    /// a write costs a pass over the stages, not a reschedule of every pipeline.
    /// </summary>
    public static ulong Schedule(IReadOnlyList<StoredPipeline> pipelines, IReadOnlyList<StoredSidecar> sidecars, ulong epoch, IReadOnlySet<(StageKind, string)>? affected = null)
    {
        var load = sidecars.ToDictionary(s => s.Registration.SidecarId, _ => 0, StringComparer.Ordinal);
        var groups = new List<(SharedStageKey Key, List<(StageDefinition Definition, StoredStage Stored)> Members)>();
        var byKey = new Dictionary<SharedStageKey, List<(StageDefinition, StoredStage)>>();

        foreach (var pipeline in pipelines)
        {
            foreach (var definition in pipeline.Definition.Stages)
            {
                var stored = Stored(pipeline, definition);

                if (affected is not null && definition.Endpoint.Length == 0 && !affected.Contains((definition.Kind, definition.Service)))
                {
                    foreach (var id in stored.Sidecars)
                    {
                        if (load.TryGetValue(id, out var count)) load[id] = count + 1;
                    }

                    continue;
                }

                var key = SharedStageKey.Of(definition);
                if (!byKey.TryGetValue(key, out var members))
                {
                    members = [];
                    byKey[key] = members;
                    groups.Add((key, members));
                }

                members.Add((definition, stored));
            }

            RemoveStaleStages(pipeline);
        }

        var next = epoch + 1;
        var changed = false;
        foreach (var (_, members) in groups)
            changed |= Assign(members, sidecars, () => load, ids => { foreach (var id in ids) load[id]++; }, next);
        return changed ? next : epoch;
    }

    /// <summary>
    /// Reassigns only the groups of <paramref name="keys"/> (the stages a pipeline apply or delete touched); the
    /// other stages keep their sidecars. Load is counted (over every stage) only when a group needs new sidecars.
    /// </summary>
    public static ulong ScheduleGroups(IReadOnlyDictionary<string, StoredPipeline> pipelines, StageGroups index, IReadOnlyCollection<SharedStageKey> keys, IReadOnlySet<string> written, IReadOnlyList<StoredSidecar> sidecars, ulong epoch)
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
            return (definition, Stored(pipeline, definition));
        }

        // Load (stages per sidecar) counts every stage but those still to be assigned in this pass; it is
        // counted only when a group needs new sidecars, so a write to an assigned group never passes over all.
        var pending = keys.ToHashSet();
        Dictionary<string, int>? load = null;
        Dictionary<string, int> Load()
        {
            if (load is not null) return load;
            load = sidecars.ToDictionary(s => s.Registration.SidecarId, _ => 0, StringComparer.Ordinal);
            foreach (var pipeline in pipelines.Values)
            {
                foreach (var definition in pipeline.Definition.Stages)
                {
                    if (pending.Contains(SharedStageKey.Of(definition))) continue;
                    foreach (var id in Stored(pipeline, definition).Sidecars)
                    {
                        if (load.TryGetValue(id, out var count)) load[id] = count + 1;
                    }
                }
            }

            return load;
        }

        void Charge(IEnumerable<string> ids)
        {
            if (load is null) return;
            foreach (var id in ids) load[id]++;
        }

        var next = epoch + 1;
        var changed = false;
        foreach (var (key, members) in groups)
        {
            changed |= AssignWritten(key, members, written, index, pipelines, Resolve, sidecars, Load, Charge, next)
                ?? Assign(members.Select(Resolve).ToList(), sidecars, Load, Charge, next);
            pending.Remove(key);
        }

        return changed ? next : epoch;
    }

    /// <summary>
    /// The common case, in time independent of the group's size: every member the write did not touch shares one
    /// assignment (each pass assigns whole groups), so when that assignment still stands, only the written
    /// members take it over. Returns null when the whole group must be reassigned (no untouched member, its
    /// assignment no longer stands, or a written member brings sidecars of its own).
    /// </summary>
    private static bool? AssignWritten(
        SharedStageKey key,
        IReadOnlyCollection<(string Pipeline, int Stage)> members,
        IReadOnlySet<string> written,
        StageGroups index,
        IReadOnlyDictionary<string, StoredPipeline> pipelines,
        Func<(string Pipeline, int Stage), (StageDefinition Definition, StoredStage Stored)> resolve,
        IReadOnlyList<StoredSidecar> sidecars,
        Func<Dictionary<string, int>> load,
        Action<IEnumerable<string>> charge,
        ulong next)
    {
        // The written pipelines' own stages in this group, found through their definitions (a few), and the
        // first member they do not own: never a pass over the whole group.
        var touched = new List<(StageDefinition Definition, StoredStage Stored)>();
        foreach (var pipelineKey in written)
        {
            if (!pipelines.TryGetValue(pipelineKey, out var pipeline)) continue;
            for (var i = 0; i < pipeline.Definition.Stages.Count; i++)
            {
                if (SharedStageKey.Of(pipeline.Definition.Stages[i]) == key) touched.Add(resolve((pipelineKey, i)));
            }
        }

        (StageDefinition Definition, StoredStage Stored)? representative = null;
        foreach (var member in members)
        {
            if (written.Contains(member.Pipeline)) continue;
            representative = resolve(member);
            break;
        }

        if (representative is not { } kept) return null;
        var assigned = kept.Stored;
        if (touched.Any(t => t.Stored.Sidecars.Count > 0 && !t.Stored.Sidecars.SequenceEqual(assigned.Sidecars, StringComparer.Ordinal))) return null;

        var replicas = (int)index.MaxReplicas(key);
        var candidates = Candidates(kept.Definition, sidecars);
        var candidateIds = candidates.Select(c => c.Registration.SidecarId).ToHashSet(StringComparer.Ordinal);
        var stands = assigned.Sidecars.All(candidateIds.Contains)
            && (assigned.Sidecars.Count == replicas || (assigned.Sidecars.Count < replicas && candidates.Count == assigned.Sidecars.Count))
            && assigned.UnassignedReason == Reason(kept.Definition, replicas, assigned.Sidecars.Count, candidates.Count);
        if (!stands) return null;

        charge(assigned.Sidecars);
        var changed = false;
        foreach (var (_, stored) in touched)
        {
            if (stored.UnassignedReason == assigned.UnassignedReason && stored.Sidecars.SequenceEqual(assigned.Sidecars, StringComparer.Ordinal)) continue;
            stored.Sidecars.Clear();
            stored.Sidecars.AddRange(assigned.Sidecars);
            stored.UnassignedReason = assigned.UnassignedReason;
            stored.Epoch = next;
            changed = true;
        }

        return changed;
    }

    /// <summary>Gives a pipeline's stored stages exactly the stages its definition has.</summary>
    public static void AlignStages(StoredPipeline pipeline)
    {
        foreach (var definition in pipeline.Definition.Stages) Stored(pipeline, definition);
        RemoveStaleStages(pipeline);
    }

    /// <summary>
    /// Assigns one group of stages that share a key: the valid sidecars they had stay; missing replicas go to
    /// the least-loaded candidates; <paramref name="charge"/> adds the chosen ones to the load. Returns whether
    /// any member changed.
    /// </summary>
    private static bool Assign(List<(StageDefinition Definition, StoredStage Stored)> members, IReadOnlyList<StoredSidecar> sidecars, Func<Dictionary<string, int>> load, Action<IEnumerable<string>> charge, ulong next)
    {
        var definition = members[0].Definition;
        var replicas = (int)Math.Max(1, members.Max(m => m.Definition.Replicas));
        var candidates = Candidates(definition, sidecars);
        var candidateIds = candidates.Select(c => c.Registration.SidecarId).ToHashSet(StringComparer.Ordinal);

        var previous = members.Select(m => m.Stored).FirstOrDefault(s => s.Sidecars.Count > 0)?.Sidecars ?? [];
        var chosen = previous.Where(candidateIds.Contains).Distinct(StringComparer.Ordinal).Take(replicas).ToList();
        if (chosen.Count < replicas && candidates.Count > chosen.Count)
        {
            var counts = load();
            while (chosen.Count < replicas)
            {
                var pick = candidates
                    .Select(c => c.Registration.SidecarId)
                    .Where(id => !chosen.Contains(id, StringComparer.Ordinal))
                    .OrderBy(id => counts[id])
                    .ThenBy(id => id, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (pick is null) break;
                chosen.Add(pick);
            }
        }

        charge(chosen);

        var reason = Reason(definition, replicas, chosen.Count, candidates.Count);
        var changed = false;
        foreach (var (_, stored) in members)
        {
            if (stored.UnassignedReason == reason && stored.Sidecars.SequenceEqual(chosen, StringComparer.Ordinal)) continue;
            stored.Sidecars.Clear();
            stored.Sidecars.AddRange(chosen);
            stored.UnassignedReason = reason;
            stored.Epoch = next;
            changed = true;
        }

        return changed;
    }

    private static StoredStage Stored(StoredPipeline pipeline, StageDefinition definition)
    {
        foreach (var stage in pipeline.Stages)
        {
            if (stage.Name == definition.Name) return stage;
        }

        var added = new StoredStage { Name = definition.Name };
        pipeline.Stages.Add(added);
        return added;
    }

    private static void RemoveStaleStages(StoredPipeline pipeline)
    {
        if (pipeline.Stages.Count == pipeline.Definition.Stages.Count) return;
        var names = pipeline.Definition.Stages.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        for (var i = pipeline.Stages.Count - 1; i >= 0; i--)
        {
            if (!names.Contains(pipeline.Stages[i].Name)) pipeline.Stages.RemoveAt(i);
        }
    }

    /// <summary>Whether a sidecar registered the stage's service (kind and name).</summary>
    public static bool Serves(StoredSidecar sidecar, StageDefinition stage) =>
        sidecar.Registration.Services.Any(s => s.Kind == stage.Kind && string.Equals(s.Name, stage.Service, StringComparison.Ordinal));

    private static List<StoredSidecar> Candidates(StageDefinition stage, IReadOnlyList<StoredSidecar> sidecars)
    {
        var serving = sidecars.Where(s => Serves(s, stage)).ToList();
        return serving.Count > 0 || stage.Endpoint.Length == 0 ? serving : sidecars.ToList();
    }

    private static string Reason(StageDefinition stage, int wanted, int got, int candidates)
    {
        var what = $"{KindName(stage.Kind)} '{stage.Service}'";
        if (got == 0) return $"no live sidecar serves {what}; start a pod with the sidecar beside that service";
        if (got < wanted) return $"{got} of {wanted} replicas assigned: only {candidates} live sidecars serve {what}";
        return string.Empty;
    }

    public static string KindName(StageKind kind) => kind switch
    {
        StageKind.Source => "source",
        StageKind.Transform => "transform",
        StageKind.Sink => "sink",
        _ => "stage",
    };
}
