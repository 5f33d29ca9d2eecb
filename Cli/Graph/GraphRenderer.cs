using System.Text;
using EtlRouter.Entities.Resources;

namespace EtlRouter.Cli.Graph;

/// <summary>
/// Draws pipelines as Graphviz dot, Mermaid or plain text. Fan-in and fan-out are the edges; a service used
/// by several pipelines (or several stages) is drawn as one shared node and listed as shared.
/// </summary>
internal static class GraphRenderer
{
    public static string Render(IReadOnlyList<PipelineGraphView> pipelines, string format) => format.ToLowerInvariant() switch
    {
        "dot" => Dot(pipelines),
        "mermaid" => Mermaid(pipelines),
        "text" => Text(pipelines),
        _ => throw new CliException($"--format: '{format}' is not dot, mermaid or text", ExitCodes.Usage),
    };

    /// <summary>Services used by more than one stage across the pipelines drawn, by "kind:service".</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> Shared(IReadOnlyList<PipelineGraphView> pipelines) =>
        pipelines.SelectMany(p => p.Stages.Select(s => (Key: ServiceKey(s), Where: $"{p.Id}.{s.Name}")))
            .GroupBy(x => x.Key)
            .Where(g => g.Count() > 1)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(x => x.Where).ToList());

    private static string Dot(IReadOnlyList<PipelineGraphView> pipelines)
    {
        var shared = Shared(pipelines);
        var text = new StringBuilder("digraph etl {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n");
        foreach (var key in shared.Keys)
            text.Append($"  {Quote("shared:" + key)} [label={Quote(Label(key) + "\\n(shared)")}, shape={Shape(key)}, style=\"filled,bold\", fillcolor=\"#fff3c4\"];\n");
        var index = 0;
        foreach (var pipeline in pipelines)
        {
            text.Append($"  subgraph cluster_{index++} {{\n    label={Quote(pipeline.Id)};\n");
            foreach (var stage in pipeline.Stages.Where(s => !shared.ContainsKey(ServiceKey(s))))
                text.Append($"    {Quote(NodeId(pipeline, stage, shared))} [label={Quote($"{stage.Name}\\n{stage.Kind.ToString().ToLowerInvariant()}: {stage.Service}{Replicas(stage)}")}, shape={Shape(ServiceKey(stage))}];\n");
            text.Append("  }\n");
            foreach (var stage in pipeline.Stages)
            {
                foreach (var input in stage.Inputs)
                {
                    var from = pipeline.Stages.First(s => s.Name == input);
                    var label = EdgeLabel(shared.Count > 0 && pipelines.Count > 1 ? pipeline.Name : null, stage.ConditionOn(input));
                    var attributes = label is null ? string.Empty : $" [label={Quote(label)}{(stage.ConditionOn(input) is null ? string.Empty : ", style=dashed")}]";
                    text.Append($"  {Quote(NodeId(pipeline, from, shared))} -> {Quote(NodeId(pipeline, stage, shared))}{attributes};\n");
                }
            }
        }

        return text.Append("}\n").ToString();
    }

    private static string Mermaid(IReadOnlyList<PipelineGraphView> pipelines)
    {
        var shared = Shared(pipelines);
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        string Id(string node) => ids.TryGetValue(node, out var id) ? id : ids[node] = $"n{ids.Count}";
        var text = new StringBuilder("flowchart LR\n");
        foreach (var key in shared.Keys)
            text.Append($"  {Id("shared:" + key)}{Box(key, $"{Label(key)} (shared)")}\n");
        foreach (var pipeline in pipelines)
        {
            text.Append($"  subgraph {Id("pipeline:" + pipeline.Id)}[\"{pipeline.Id}\"]\n");
            foreach (var stage in pipeline.Stages.Where(s => !shared.ContainsKey(ServiceKey(s))))
                text.Append($"    {Id(NodeId(pipeline, stage, shared))}{Box(ServiceKey(stage), $"{stage.Name}: {stage.Service}{Replicas(stage)}")}\n");
            text.Append("  end\n");
            foreach (var stage in pipeline.Stages)
            {
                foreach (var input in stage.Inputs)
                {
                    // Shared nodes carry several pipelines' edges: label each edge with its pipeline.
                    var label = EdgeLabel(shared.Count > 0 && pipelines.Count > 1 ? pipeline.Name : null, stage.ConditionOn(input));
                    var arrow = label is null ? "-->" : stage.ConditionOn(input) is null ? $"-->|{MermaidText(label)}|" : $"-.->|{MermaidText(label)}|";
                    text.Append($"  {Id(NodeId(pipeline, pipeline.Stages.First(s => s.Name == input), shared))} {arrow} {Id(NodeId(pipeline, stage, shared))}\n");
                }
            }
        }

        return text.ToString();
    }

    private static string Text(IReadOnlyList<PipelineGraphView> pipelines)
    {
        var text = new StringBuilder();
        foreach (var pipeline in pipelines)
        {
            text.Append($"pipeline {pipeline.Id}\n");
            foreach (var stage in pipeline.Stages)
            {
                var outputs = pipeline.Stages.Where(s => s.Inputs.Contains(stage.Name))
                    .Select(s => s.ConditionOn(stage.Name) is { } condition ? $"{s.Name} (when {condition})" : s.Name).ToList();
                var arrow = outputs.Count == 0 ? string.Empty : $" -> {string.Join(", ", outputs)}";
                var notes = new List<string>();
                if (stage.Inputs.Count > 1) notes.Add($"fan-in from {string.Join(", ", stage.Inputs)}");
                if (outputs.Count > 1) notes.Add("fan-out");
                text.Append($"  {stage.Kind.ToString().ToLowerInvariant(),-9} {stage.Name} ({stage.Service}{Replicas(stage)}){arrow}{(notes.Count > 0 ? $"   [{string.Join("; ", notes)}]" : string.Empty)}\n");
            }
        }

        var shared = Shared(pipelines);
        if (shared.Count > 0)
        {
            text.Append("shared\n");
            foreach (var (key, where) in shared)
                text.Append($"  {Label(key)}: {string.Join(", ", where)}\n");
        }

        return text.ToString();
    }

    // An edge's label: the pipeline it belongs to (where shared nodes carry several), and its condition.
    private static string? EdgeLabel(string? pipeline, string? condition) => (pipeline, condition) switch
    {
        (null, null) => null,
        (_, null) => pipeline,
        (null, _) => $"when {condition}",
        _ => $"{pipeline}: when {condition}",
    };

    // Mermaid ends a label at | and reads quotes: replace them with their HTML entities.
    private static string MermaidText(string label) => label.Replace("\"", "#quot;", StringComparison.Ordinal).Replace("|", "#124;", StringComparison.Ordinal);

    private static string ServiceKey(StageView stage) => $"{stage.Kind.ToString().ToLowerInvariant()}:{stage.Service}";

    private static string NodeId(PipelineGraphView pipeline, StageView stage, IReadOnlyDictionary<string, IReadOnlyList<string>> shared) =>
        shared.ContainsKey(ServiceKey(stage)) ? "shared:" + ServiceKey(stage) : $"{pipeline.Id}.{stage.Name}";

    private static string Label(string key) => key.Replace(":", ": ", StringComparison.Ordinal);

    private static string Replicas(StageView stage) => stage.Replicas > 1 ? $" x{stage.Replicas}" : string.Empty;

    private static string Shape(string key) => key.StartsWith("source:", StringComparison.Ordinal) ? "cds" : key.StartsWith("sink:", StringComparison.Ordinal) ? "cylinder" : "box";

    private static string Box(string key, string label) =>
        key.StartsWith("source:", StringComparison.Ordinal) ? $"([\"{label}\"])" : key.StartsWith("sink:", StringComparison.Ordinal) ? $"[(\"{label}\")]" : $"[\"{label}\"]";

    private static string Quote(string text) => "\"" + text.Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
