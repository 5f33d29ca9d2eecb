namespace EtlRouter.Pipelines.Graph;

/// <summary>A directed edge of the DAG: records flow from one stage to another.</summary>
public sealed record PipelineEdge(string From, string To)
{
    public override string ToString() => $"{From}->{To}";
}
