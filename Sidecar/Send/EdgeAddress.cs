using EtlRouter.Contracts.V1;

namespace EtlRouter.Sidecar.Send;

/// <summary>One edge of one pipeline: from a stage to the next.</summary>
internal sealed record EdgeAddress(string Namespace, string Pipeline, string FromStage, string ToStage)
{
    public PipelineRef PipelineRef => new() { Namespace = Namespace, Name = Pipeline };

    public override string ToString() => $"{Namespace}/{Pipeline} {FromStage}->{ToStage}";
}
