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
public static class StageScheduler
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
        var groups = new List<(StageKey Key, List<(StageDefinition Definition, StoredStage Stored)> Members)>();
        var byKey = new Dictionary<StageKey, List<(StageDefinition, StoredStage)>>();

        foreach (var pipeline in pipelines)
        {
            foreach (var definition in pipeline.Definition.Stages)
            {
                var stored = pipeline.Stages.FirstOrDefault(s => s.Name == definition.Name);
                if (stored is null)
                {
                    stored = new StoredStage { Name = definition.Name };
                    pipeline.Stages.Add(stored);
                }

                if (affected is not null && definition.Endpoint.Length == 0 && !affected.Contains((definition.Kind, definition.Service)))
                {
                    foreach (var id in stored.Sidecars)
                    {
                        if (load.TryGetValue(id, out var count)) load[id] = count + 1;
                    }

                    continue;
                }

                var key = StageKey.Of(definition);
                if (!byKey.TryGetValue(key, out var members))
                {
                    members = [];
                    byKey[key] = members;
                    groups.Add((key, members));
                }

                members.Add((definition, stored));
            }

            // Stages the definition no longer has.
            if (pipeline.Stages.Count != pipeline.Definition.Stages.Count)
            {
                var names = pipeline.Definition.Stages.Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
                for (var i = pipeline.Stages.Count - 1; i >= 0; i--)
                {
                    if (!names.Contains(pipeline.Stages[i].Name)) pipeline.Stages.RemoveAt(i);
                }
            }
        }

        var next = epoch + 1;
        var changed = false;
        foreach (var (_, members) in groups)
        {
            var definition = members[0].Definition;
            var replicas = (int)Math.Max(1, members.Max(m => m.Definition.Replicas));
            var candidates = Candidates(definition, sidecars);
            var candidateIds = candidates.Select(c => c.Registration.SidecarId).ToHashSet(StringComparer.Ordinal);

            var previous = members.Select(m => m.Stored).FirstOrDefault(s => s.Sidecars.Count > 0)?.Sidecars ?? [];
            var chosen = previous.Where(candidateIds.Contains).Distinct(StringComparer.Ordinal).Take(replicas).ToList();
            while (chosen.Count < replicas)
            {
                var pick = candidates
                    .Select(c => c.Registration.SidecarId)
                    .Where(id => !chosen.Contains(id, StringComparer.Ordinal))
                    .OrderBy(id => load[id])
                    .ThenBy(id => id, StringComparer.Ordinal)
                    .FirstOrDefault();
                if (pick is null) break;
                chosen.Add(pick);
            }

            foreach (var id in chosen) load[id]++;
            var reason = Reason(definition, replicas, chosen.Count, candidates.Count);

            foreach (var (_, stored) in members)
            {
                if (stored.Sidecars.SequenceEqual(chosen, StringComparer.Ordinal) && stored.UnassignedReason == reason) continue;
                stored.Sidecars.Clear();
                stored.Sidecars.AddRange(chosen);
                stored.UnassignedReason = reason;
                stored.Epoch = next;
                changed = true;
            }
        }

        return changed ? next : epoch;
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
