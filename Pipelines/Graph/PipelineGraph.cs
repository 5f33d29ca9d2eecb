
namespace EtlRouter.Pipelines.Graph;

/// <summary>
/// The compiled, validated stage DAG of a pipeline: stages in topological order (sources first) and
/// their edges. Both the linear and the graph form compile to this.
/// </summary>
public sealed class PipelineGraph
{
    private readonly Dictionary<string, PipelineStage> _byName;

    public PipelineGraph(IReadOnlyList<PipelineStage> stagesInTopologicalOrder)
    {
        Stages = stagesInTopologicalOrder;
        _byName = stagesInTopologicalOrder.ToDictionary(s => s.Name, StringComparer.Ordinal);
        Edges = stagesInTopologicalOrder
            .SelectMany(stage => stage.Inputs.Select(input => new PipelineEdge(input, stage.Name)))
            .ToList();
    }

    public IReadOnlyList<PipelineStage> Stages { get; }

    public IReadOnlyList<PipelineEdge> Edges { get; }

    public PipelineStage this[string name] => _byName[name];

    public IEnumerable<PipelineStage> Sources => Stages.Where(s => s.Kind == ServiceKind.Source);

    public IEnumerable<PipelineStage> Sinks => Stages.Where(s => s.Kind == ServiceKind.Sink);

    /// <summary>Stages that consume the given stage's output (its fan-out).</summary>
    public IEnumerable<PipelineStage> Outputs(string name) => Stages.Where(s => s.Inputs.Contains(name));
}
