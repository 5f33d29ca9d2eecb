using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Definitions;
using EtlRouter.Pipelines.Graph;

namespace EtlRouter.Entities.Graph;

/// <summary>An EtlPipeline and the EtlSources, EtlTransforms and EtlSinks it names, as the router's PipelineDefinition.</summary>
public static class EntityPipelineDefinition
{
    public static PipelineDefinition Build(EtlPipeline pipeline, PipelineGraph graph, IReadOnlyDictionary<string, IServiceEntity> servicesByStage) =>
        PipelineDefinitionBuilder.Build(SettingsOf(pipeline), graph, servicesByStage.ToDictionary(p => p.Key, p => ServiceOf(p.Value), StringComparer.Ordinal));

    public static PipelineSettings SettingsOf(EtlPipeline pipeline) => new(
        new PipelineRef { Namespace = pipeline.Metadata.NamespaceProperty ?? "default", Name = pipeline.Metadata.Name },
        pipeline.Metadata.Generation ?? 0,
        pipeline.Spec.Dlq?.Enabled,
        pipeline.Spec.Dlq?.MaxRetries,
        pipeline.Spec.Dlq?.Retention,
        pipeline.Spec.Dlq?.MaxRecords,
        pipeline.Spec.FlowControl?.MaxInFlight,
        pipeline.Spec.FlowControl?.MaxInFlightBytes,
        pipeline.Spec.FlowControl?.BatchSize,
        pipeline.Spec.Unmatched == Resources.UnmatchedRecords.Drop);

    public static StageService ServiceOf(IServiceEntity service) => new(
        service.Spec.EffectiveServiceName(service.Metadata.Name),
        service.Spec.Grpc?.Endpoint,
        service.Spec.Scaling?.MaxReplicas,
        service.Spec.Grpc?.TimeoutSeconds,
        service.Spec.Options is null ? null : new Dictionary<string, string>(service.Spec.Options, StringComparer.Ordinal));
}
