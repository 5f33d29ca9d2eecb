using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Entities.Graph;

/// <summary>
/// Turns a compiled pipeline and its resolved services into the router's PipelineDefinition: the operator (with
/// the EtlSources, EtlTransforms and EtlSinks it found) and the router's GraphQL createPipeline (with services
/// named directly) build it the same way.
/// </summary>
public static class PipelineDefinitionBuilder
{
    public static PipelineDefinition Build(EtlPipeline pipeline, PipelineGraph graph, IReadOnlyDictionary<string, IServiceEntity> servicesByStage)
    {
        var definition = new PipelineDefinition
        {
            Ref = new PipelineRef { Namespace = pipeline.Metadata.NamespaceProperty ?? "default", Name = pipeline.Metadata.Name },
            Generation = pipeline.Metadata.Generation ?? 0,
            Dlq = DeadLetters(pipeline.Spec.Dlq),
            FlowControl = Flow(pipeline.Spec.FlowControl),
            Unmatched = pipeline.Spec.Unmatched == Resources.UnmatchedRecords.Drop ? Contracts.V1.UnmatchedRecords.Drop : Contracts.V1.UnmatchedRecords.DeadLetter,
        };

        foreach (var stage in graph.Stages)
        {
            var service = servicesByStage[stage.Name];
            var stageDefinition = new StageDefinition
            {
                Name = stage.Name,
                Kind = Kind(stage.Kind),
                Service = service.Spec.EffectiveServiceName(service.Metadata.Name),
                Endpoint = service.Spec.Grpc?.Endpoint ?? string.Empty,
                // A scaled service's stage runs on every sidecar its workload's pods bring, up to the policy's max.
                Replicas = (uint)Math.Max(stage.Replicas, service.Spec.Scaling?.MaxReplicas ?? 0),
                TimeoutSeconds = (uint)(service.Spec.Grpc?.TimeoutSeconds ?? GrpcEndpointSpec.DefaultTimeoutSeconds),
            };
            stageDefinition.Inputs.AddRange(stage.Inputs);
            foreach (var (input, condition) in stage.Conditions ?? new Dictionary<string, string>())
                stageDefinition.InputConditions[input] = condition;
            foreach (var (key, value) in service.Spec.Options ?? new Dictionary<string, string>())
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

    private static DeadLetterPolicy DeadLetters(DeadLetterSpec? spec) => new()
    {
        Enabled = spec?.Enabled ?? true,
        MaxRetries = (uint)(spec?.MaxRetries ?? DeadLetterSpec.DefaultMaxRetries),
        Retention = Duration.FromTimeSpan(PipelineDefaults.DeadLetterRetention(spec?.Retention is { } text && DurationText.TryParse(text, out var retention) ? retention : null)),
        MaxRecords = (uint)PipelineDefaults.DeadLetterMaxRecords(spec?.MaxRecords),
    };

    private static FlowControl Flow(FlowControlSpec? spec) => new()
    {
        MaxInFlight = (uint)PipelineDefaults.MaxInFlight(spec?.MaxInFlight),
        MaxInFlightBytes = (ulong)PipelineDefaults.MaxInFlightBytes(spec?.MaxInFlightBytes),
        BatchSize = (uint)PipelineDefaults.BatchSize(spec?.BatchSize),
    };
}
