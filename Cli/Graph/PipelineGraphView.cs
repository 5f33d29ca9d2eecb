using EtlRouter.Entities.Resources;
using EtlRouter.Pipelines.Graph;

namespace EtlRouter.Cli.Graph;

/// <summary>One pipeline's DAG as etlctl draws it: stages (kind and service) and edges.</summary>
internal sealed record PipelineGraphView(string Namespace, string Name, IReadOnlyList<StageView> Stages)
{
    public string Id => $"{Namespace}/{Name}";
}

/// <param name="Name">The stage's name, unique in its pipeline.</param>
/// <param name="Kind">Source, transform or sink.</param>
/// <param name="Service">The EtlSource/EtlTransform/EtlSink it runs.</param>
/// <param name="Inputs">The stages it reads from.</param>
/// <param name="Replicas">How many sidecars share it.</param>
/// <param name="Conditions">Conditional edges: per input, the condition records from it must meet.</param>
internal sealed record StageView(string Name, ServiceKind Kind, string Service, IReadOnlyList<string> Inputs, int Replicas, IReadOnlyDictionary<string, string>? Conditions = null)
{
    /// <summary>The condition on the edge from <paramref name="input"/>, or null when it takes every record.</summary>
    public string? ConditionOn(string input) => Conditions is not null && Conditions.TryGetValue(input, out var condition) ? condition : null;
}
