namespace EtlRouter.Pipelines.Graph;

/// <summary>One stage of a pipeline's graph form as written: exactly one of source, transform or sink is meant to be set.</summary>
/// <param name="Name">Unique in the pipeline.</param>
/// <param name="Source">The EtlSource it runs, for a source stage.</param>
/// <param name="Transform">The EtlTransform it runs, for a transform stage.</param>
/// <param name="Sink">The EtlSink it runs, for a sink stage.</param>
/// <param name="Inputs">The stages it consumes.</param>
/// <param name="When">Conditional edges: per input stage, the condition a record from it must meet.</param>
/// <param name="Replicas">How many sidecars share it; 1 when unset.</param>
public sealed record StageForm(
    string? Name,
    string? Source = null,
    string? Transform = null,
    string? Sink = null,
    IReadOnlyList<string>? Inputs = null,
    IReadOnlyDictionary<string, string>? When = null,
    int? Replicas = null);
