
namespace EtlRouter.Pipelines.Graph;

/// <summary>
/// A node of the compiled pipeline DAG.
/// </summary>
/// <param name="Name">Unique in the pipeline.</param>
/// <param name="Kind">Source, transform or sink.</param>
/// <param name="ServiceRef">Name of the EtlSource/EtlTransform/EtlSink the stage runs.</param>
/// <param name="Inputs">Stages it consumes, in declaration order.</param>
/// <param name="Replicas">How many sidecars share it.</param>
/// <param name="RefPath">Field path of the reference, for messages (spec.steps[1], spec.stages[2].sink).</param>
/// <param name="Conditions">Conditional edges: per input stage, the condition a record from it must meet (see RecordCondition).</param>
public sealed record PipelineStage(
    string Name,
    ServiceKind Kind,
    string ServiceRef,
    IReadOnlyList<string> Inputs,
    int Replicas,
    string RefPath,
    IReadOnlyDictionary<string, string>? Conditions = null)
{
    /// <summary>The condition on records from <paramref name="input"/>, or null when it takes them all.</summary>
    public string? ConditionOn(string input) => Conditions is not null && Conditions.TryGetValue(input, out var condition) ? condition : null;
}
