using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Graph;
using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Graph;

namespace EtlRouter.Cli.Graph;

/// <summary>Graph views from a pipeline manifest (compiled as the operator compiles it) or from the router's definition.</summary>
internal static class GraphSources
{
    public static PipelineGraphView FromEntity(EtlPipeline pipeline, string location)
    {
        var compilation = PipelineGraphCompiler.Compile(pipeline.Spec.ToForm());
        if (compilation.Graph is null)
            throw new CliException($"{location}: pipeline {pipeline.Metadata.Name} has no graph: {string.Join("; ", compilation.Issues.Select(i => i.ToString()))}");
        return new PipelineGraphView(
            pipeline.Metadata.NamespaceProperty ?? "default",
            pipeline.Metadata.Name,
            compilation.Graph.Stages.Select(s => new StageView(s.Name, s.Kind, s.ServiceRef, s.Inputs, s.Replicas, s.Conditions)).ToList());
    }

    public static PipelineGraphView FromDefinition(PipelineDefinition definition) => new(
        definition.Ref.Namespace,
        definition.Ref.Name,
        definition.Stages.Select(s => new StageView(s.Name, Kind(s.Kind), s.Service, [.. s.Inputs], (int)Math.Max(1, s.Replicas), s.InputConditions.Count > 0 ? s.InputConditions.ToDictionary() : null)).ToList());

    private static ServiceKind Kind(StageKind kind) => kind switch
    {
        StageKind.Source => ServiceKind.Source,
        StageKind.Transform => ServiceKind.Transform,
        _ => ServiceKind.Sink,
    };
}
