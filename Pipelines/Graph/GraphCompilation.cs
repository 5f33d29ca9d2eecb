using EtlRouter.Pipelines.Rules;

namespace EtlRouter.Pipelines.Graph;

/// <summary>The result of compiling a pipeline spec: a graph, or the issues that prevent one.</summary>
public sealed record GraphCompilation(PipelineGraph? Graph, IReadOnlyList<ValidationIssue> Issues)
{
    public bool Succeeded => Graph is not null && Issues.Count == 0;
}
