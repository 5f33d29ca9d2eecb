using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;

namespace EtlRouter.RouterRuntime.State;

/// <summary>
/// How far a draining pipeline has got, from the sidecars' flow reports. A source replica counts as drained
/// only once its sidecar reported, while draining, that it reads nothing more and every record it read is done
/// end to end (delivered or dead-lettered). That covers every stage: a source record is done only once all
/// its downstream work is. A source stage that runs nowhere reads nothing, so it has nothing to wait for.
/// Reads only the state, so every node answers the same at the same log index.
/// </summary>
internal static class DrainProgress
{
    public static DrainPipelineResponse Of(RouterState state, StoredPipeline pipeline)
    {
        var response = new DrainPipelineResponse { Existed = true, DrainingSince = pipeline.DrainingSince };
        var key = RouterState.Key(pipeline.Definition.Ref);
        foreach (var source in pipeline.Definition.Stages.Where(s => s.Kind == StageKind.Source))
        {
            var stored = pipeline.Stages.FirstOrDefault(s => s.Name == source.Name);
            foreach (var sidecarId in stored?.Sidecars ?? [])
            {
                if (!state.Sidecars.TryGetValue(sidecarId, out var sidecar)) continue;
                var flow = state.Flow.GetValueOrDefault(sidecarId)?.Stages
                    .FirstOrDefault(f => f.Pipeline is not null && RouterState.Key(f.Pipeline) == key && f.Stage == source.Name);
                var where = $"source {source.Name} on {sidecar.Registration.Pod}";
                if (flow is not { Draining: true })
                {
                    response.WaitingFor.Add($"{where}: has not reported since the drain began");
                    continue;
                }

                response.InFlight += flow.InFlight;
                if (!flow.Drained) response.WaitingFor.Add($"{where}: {flow.InFlight} records in flight");
            }
        }

        response.Drained = response.WaitingFor.Count == 0;
        return response;
    }
}
