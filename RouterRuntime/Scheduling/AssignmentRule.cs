using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// The one rule every assignment obeys, whichever path of <see cref="StageScheduler"/> made it. For the stages
/// that share a <see cref="SharedStageKey"/> (a group):
/// <list type="number">
/// <item>the candidates are the live sidecars of the pipeline's namespace that registered the stage's service
/// (kind and name); for a stage with an explicit endpoint that no sidecar registered, every live sidecar of the
/// namespace (the sidecar calls the endpoint);</item>
/// <item>the group runs on <c>min(replicas, candidates)</c> distinct candidates, replicas being the most any
/// member asks for (at least one);</item>
/// <item>every member holds the same sidecars and the same <see cref="Reason"/> for what is missing.</item>
/// </list>
/// Which candidates is a choice (keep what still stands, then the least loaded); that it obeys this rule is not.
/// <see cref="SchedulingInvariant"/> checks a whole state against it.
/// </summary>
internal static class AssignmentRule
{
    public static List<StoredSidecar> Candidates(string @namespace, StageDefinition stage, IReadOnlyList<StoredSidecar> sidecars)
    {
        var local = sidecars.Where(s => InNamespace(s, @namespace)).ToList();
        var serving = local.Where(s => Serves(s, stage)).ToList();
        return serving.Count > 0 || stage.Endpoint.Length == 0 ? serving : local;
    }

    /// <summary>Whether a sidecar's pod (namespace/name, checked against its certificate at registration) is in <paramref name="namespace"/>.</summary>
    public static bool InNamespace(StoredSidecar sidecar, string @namespace)
    {
        var pod = sidecar.Registration.Pod;
        return pod.Length > @namespace.Length && pod[@namespace.Length] == '/' && pod.StartsWith(@namespace, StringComparison.Ordinal);
    }

    /// <summary>Whether a sidecar registered the stage's service (kind and name).</summary>
    public static bool Serves(StoredSidecar sidecar, StageDefinition stage) =>
        sidecar.Registration.Services.Any(s => s.Kind == stage.Kind && string.Equals(s.Name, stage.Service, StringComparison.Ordinal));

    public static int Replicas(IEnumerable<StageDefinition> members) => (int)Math.Max(1, members.Max(m => m.Replicas));

    /// <summary>
    /// Whether an assignment obeys the rule as it stands: its sidecars are distinct candidates, as many as the rule
    /// asks for, and its reason is the one the rule gives.
    /// </summary>
    public static bool Holds(StageDefinition stage, int replicas, StoredStage assigned, IReadOnlyCollection<StoredSidecar> candidates)
    {
        var candidateIds = candidates.Select(c => c.Registration.SidecarId).ToHashSet(StringComparer.Ordinal);
        return assigned.Sidecars.All(candidateIds.Contains)
            && assigned.Sidecars.Distinct(StringComparer.Ordinal).Count() == assigned.Sidecars.Count
            && assigned.Sidecars.Count == Math.Min(replicas, candidates.Count)
            && assigned.UnassignedReason == Reason(stage, replicas, assigned.Sidecars.Count, candidates.Count);
    }

    /// <summary>What a stage's status says when it has fewer sidecars than it asks for; empty when it has them all.</summary>
    public static string Reason(StageDefinition stage, int wanted, int got, int candidates)
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
