using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// How one group of shared stages gets its sidecars under <see cref="AssignmentRule"/>: the full way
/// (<see cref="Assign"/>) and the shortcut for a pipeline write that joins a group whose assignment stands
/// (<see cref="AssignWritten"/>).
/// </summary>
internal static class GroupAssignment
{
    /// <summary>
    /// The common case, in time independent of the group's size: every member the write did not touch shares one
    /// assignment (each pass assigns whole groups), so when that assignment still stands, only the written
    /// members take it over. Returns null when the whole group must be reassigned (no untouched member, its
    /// assignment no longer stands, or a written member brings sidecars of its own).
    /// </summary>
    public static bool? AssignWritten(
        SharedStageKey key,
        IReadOnlyCollection<(string Pipeline, int Stage)> members,
        IReadOnlySet<string> written,
        StageGroups index,
        IReadOnlyDictionary<string, StoredPipeline> pipelines,
        Func<(string Pipeline, int Stage), (StageDefinition Definition, StoredStage Stored)> resolve,
        CandidateIndex sidecars,
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
                if (SharedStageKey.Of(pipeline.Definition.Ref.Namespace, pipeline.Definition.Stages[i]) == key) touched.Add(resolve((pipelineKey, i)));
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
        if (!AssignmentRule.Holds(kept.Definition, replicas, assigned, sidecars.Candidates(key.Namespace, kept.Definition))) return null;

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

    /// <summary>
    /// Assigns one group of stages that share a key: the valid sidecars they had stay; missing replicas go to
    /// the least-loaded candidates; <paramref name="charge"/> adds the chosen ones to the load. Returns whether
    /// any member changed.
    /// </summary>
    public static bool Assign(SharedStageKey key, List<(StageDefinition Definition, StoredStage Stored)> members, CandidateIndex sidecars, Func<Dictionary<string, int>> load, Action<IEnumerable<string>> charge, ulong next)
    {
        var definition = members[0].Definition;
        var replicas = AssignmentRule.Replicas(members.Select(m => m.Definition));
        var candidates = sidecars.Candidates(key.Namespace, definition);
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
                    .OrderBy(id => counts.GetValueOrDefault(id))
                    .ThenBy(id => id, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (pick is null) break;
                chosen.Add(pick);
            }
        }

        charge(chosen);

        var reason = AssignmentRule.Reason(definition, replicas, chosen.Count, candidates.Count);
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
}
