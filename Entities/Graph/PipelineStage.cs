using EtlRouter.Entities.Resources;

namespace EtlRouter.Entities.Graph;

/// <summary>
/// A node of the compiled pipeline DAG.
/// </summary>
/// <param name="Name">Unique in the pipeline.</param>
/// <param name="Kind">Source, transform or sink.</param>
/// <param name="ServiceRef">Name of the EtlSource/EtlTransform/EtlSink the stage runs.</param>
/// <param name="Inputs">Stages it consumes, in declaration order.</param>
/// <param name="Replicas">How many sidecars share it.</param>
/// <param name="RefPath">Field path of the reference, for messages (spec.steps[1], spec.stages[2].sink).</param>
public sealed record PipelineStage(
    string Name,
    ServiceKind Kind,
    string ServiceRef,
    IReadOnlyList<string> Inputs,
    int Replicas,
    string RefPath);
