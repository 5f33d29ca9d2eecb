namespace EtlRouter.Pipelines.Graph;

/// <summary>
/// A pipeline's stages as its author wrote them, before any rule: the linear form (<see cref="Source"/>,
/// <see cref="Steps"/>, <see cref="Sink"/>) or the graph form (<see cref="Stages"/>). A custom resource's spec and
/// GraphQL's createPipeline input both read into this, so one compiler checks both. Messages name spec fields
/// (spec.steps[1]); an entry point that names its fields otherwise maps the paths.
/// </summary>
public sealed record PipelineForm(
    string? Source = null,
    IReadOnlyList<string>? Steps = null,
    string? Sink = null,
    IReadOnlyList<StageForm?>? Stages = null);
