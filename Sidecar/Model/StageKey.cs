using EtlRouter.Contracts.V1;

namespace EtlRouter.Sidecar.Model;

/// <summary>One stage of one pipeline, as this sidecar runs it.</summary>
internal sealed record StageKey(string Namespace, string Pipeline, string Stage)
{
    public static StageKey Of(AssignedStage assigned) => new(assigned.Pipeline.Namespace, assigned.Pipeline.Name, assigned.Stage.Name);

    public static StageKey Of(PipelineRef pipeline, string stage) => new(pipeline.Namespace, pipeline.Name, stage);

    public override string ToString() => $"{Namespace}/{Pipeline}/{Stage}";
}
