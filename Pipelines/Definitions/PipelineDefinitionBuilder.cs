using EtlRouter.Contracts.V1;
using EtlRouter.Pipelines.Graph;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Pipelines.Definitions;

/// <summary>
/// Turns a compiled pipeline, its settings and its resolved services into the router's PipelineDefinition: the
/// operator (with the EtlSources, EtlTransforms and EtlSinks it found) and the router's GraphQL createPipeline
/// (with services named directly) build it the same way.
/// </summary>
public static class PipelineDefinitionBuilder
{
    public static PipelineDefinition Build(PipelineSettings settings, PipelineGraph graph, IReadOnlyDictionary<string, StageService> servicesByStage)
    {
        var definition = new PipelineDefinition
        {
            Ref = settings.Ref,
            Generation = settings.Generation,
            Dlq = new DeadLetterPolicy
            {
                Enabled = settings.DeadLettersEnabled ?? true,
                MaxRetries = (uint)(settings.MaxRetries ?? PipelineDefaults.DefaultMaxRetries),
                Retention = Duration.FromTimeSpan(PipelineDefaults.DeadLetterRetention(
                    settings.DeadLetterRetention is { } text && DurationText.TryParse(text, out var retention) ? retention : null)),
                MaxRecords = (uint)PipelineDefaults.DeadLetterMaxRecords(settings.DeadLetterMaxRecords),
            },
            FlowControl = new FlowControl
            {
                MaxInFlight = (uint)PipelineDefaults.MaxInFlight(settings.MaxInFlight),
                MaxInFlightBytes = (ulong)PipelineDefaults.MaxInFlightBytes(settings.MaxInFlightBytes),
                BatchSize = (uint)PipelineDefaults.BatchSize(settings.BatchSize),
            },
            Unmatched = settings.DropUnmatched ? UnmatchedRecords.Drop : UnmatchedRecords.DeadLetter,
        };

        foreach (var stage in graph.Stages)
        {
            var service = servicesByStage[stage.Name];
            var stageDefinition = new StageDefinition
            {
                Name = stage.Name,
                Kind = Kind(stage.Kind),
                Service = service.Service,
                Endpoint = service.Endpoint ?? string.Empty,
                // A scaled service's stage runs on every sidecar its workload's pods bring, up to the policy's max.
                Replicas = (uint)Math.Max(stage.Replicas, service.MaxReplicas ?? 0),
                TimeoutSeconds = (uint)(service.TimeoutSeconds ?? PipelineDefaults.DefaultTimeoutSeconds),
            };
            stageDefinition.Inputs.AddRange(stage.Inputs);
            foreach (var (input, condition) in stage.Conditions ?? new Dictionary<string, string>())
                stageDefinition.InputConditions[input] = condition;
            foreach (var (key, value) in service.Options ?? new Dictionary<string, string>())
                stageDefinition.Options[key] = value;
            definition.Stages.Add(stageDefinition);
        }

        return definition;
    }

    public static StageKind Kind(ServiceKind kind) => kind switch
    {
        ServiceKind.Source => StageKind.Source,
        ServiceKind.Transform => StageKind.Transform,
        _ => StageKind.Sink,
    };
}
