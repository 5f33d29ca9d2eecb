using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Graph;

namespace EtlRouter.Entities.Graph;

/// <summary>A custom resource's spec as the pipeline compiler reads it.</summary>
public static class PipelineSpecForm
{
    public static PipelineForm ToForm(this PipelineSpec spec) => new(
        spec.Source,
        spec.Steps?.ToList(),
        spec.Sink,
        spec.Stages?.Select(s => s is null ? null : new StageForm(
            s.Name, s.Source, s.Transform, s.Sink, s.Inputs?.ToList(),
            s.When is null ? null : new Dictionary<string, string>(s.When, StringComparer.Ordinal), s.Replicas)).ToList());
}
