using EtlRouter.Contracts.V1;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// The backlog of a service: for every stage of a namespace's pipelines that runs it, the records its input
/// edges' senders last reported holding for it, summed. One computation for the operator's scaling
/// (ControlPlane.GetServiceBacklog) and the etl_router_service_backlog metric, so both scale on the same figure.
/// Callers hold <see cref="RouterState.Sync"/>.
/// </summary>
internal static class ServiceBacklogs
{
    public static ServiceBacklog Of(RouterState state, StageKind kind, string service, string @namespace) =>
        All(state).TryGetValue((@namespace, kind, service), out var found) ? found : new ServiceBacklog();

    /// <summary>Every service that some pipeline runs, by (namespace, kind, service), in one pass over the flow reports.</summary>
    public static Dictionary<(string Namespace, StageKind Kind, string Service), ServiceBacklog> All(RouterState state)
    {
        // Each edge's senders' reports, summed: (pipeline key, from, to) -> backlog, credits, newest report.
        var edges = new Dictionary<(string Pipeline, string From, string To), (ulong Backlog, ulong Credits, Google.Protobuf.WellKnownTypes.Timestamp? At)>();
        foreach (var report in state.Flow.Values)
        {
            foreach (var edge in report.Edges)
            {
                if (edge.Pipeline is null) continue;
                var key = (RouterState.Key(edge.Pipeline), edge.FromStage, edge.ToStage);
                var sum = edges.GetValueOrDefault(key);
                edges[key] = (sum.Backlog + edge.Backlog, sum.Credits + edge.CreditsRecords, sum.At is null || report.At > sum.At ? report.At : sum.At);
            }
        }

        var result = new Dictionary<(string, StageKind, string), ServiceBacklog>();
        var sidecars = new Dictionary<(string, StageKind, string), HashSet<string>>();
        foreach (var (pipelineKey, pipeline) in state.Pipelines)
        {
            var @namespace = pipeline.Definition.Ref.Namespace;
            foreach (var stage in pipeline.Definition.Stages)
            {
                if (stage.Kind == StageKind.Source) continue;
                var key = (@namespace, stage.Kind, stage.Service);
                if (!result.TryGetValue(key, out var backlog))
                {
                    result[key] = backlog = new ServiceBacklog();
                    sidecars[key] = new HashSet<string>(StringComparer.Ordinal);
                }

                backlog.Stages++;
                if (pipeline.Stages.FirstOrDefault(s => s.Name == stage.Name) is { } assigned) sidecars[key].UnionWith(assigned.Sidecars);
                foreach (var input in stage.Inputs)
                {
                    if (!edges.TryGetValue((pipelineKey, input, stage.Name), out var edge)) continue;
                    backlog.Backlog += edge.Backlog;
                    if (edge.Backlog > 0 && edge.Credits == 0) backlog.ThrottledEdges++;
                    if (backlog.ReportedAt is null || edge.At > backlog.ReportedAt) backlog.ReportedAt = edge.At;
                }
            }
        }

        foreach (var (key, ids) in sidecars) result[key].Sidecars = (uint)ids.Count;
        return result;
    }
}
