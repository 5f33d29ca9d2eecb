using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.Scheduling;

/// <summary>
/// The live sidecars by namespace and by the services they registered, built once per scheduling pass, so
/// <see cref="AssignmentRule.Candidates"/> costs a lookup instead of a pass over ten thousand sidecars per
/// stage group. Gives exactly what the rule's own filter gives, in the same (sidecar id) order.
/// </summary>
internal sealed class CandidateIndex
{
    private readonly Dictionary<string, List<StoredSidecar>> byNamespace = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Namespace, StageKind Kind, string Service), List<StoredSidecar>> byService = [];

    public CandidateIndex(IReadOnlyList<StoredSidecar> sidecars)
    {
        foreach (var sidecar in sidecars)
        {
            var pod = sidecar.Registration.Pod;
            var slash = pod.IndexOf('/', StringComparison.Ordinal);
            if (slash <= 0) continue;
            var ns = pod[..slash];
            Add(byNamespace, ns, sidecar);
            foreach (var service in sidecar.Registration.Services.Select(s => (s.Kind, s.Name)).Distinct())
                Add(byService, (ns, service.Kind, service.Name), sidecar);
        }
    }

    /// <summary><see cref="AssignmentRule.Candidates"/>, from the index.</summary>
    public List<StoredSidecar> Candidates(string @namespace, StageDefinition stage)
    {
        if (byService.TryGetValue((@namespace, stage.Kind, stage.Service), out var serving)) return serving;
        return stage.Endpoint.Length == 0 ? [] : byNamespace.GetValueOrDefault(@namespace) ?? [];
    }

    private static void Add<TKey>(Dictionary<TKey, List<StoredSidecar>> map, TKey key, StoredSidecar sidecar)
        where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list)) map[key] = list = [];
        list.Add(sidecar);
    }
}
