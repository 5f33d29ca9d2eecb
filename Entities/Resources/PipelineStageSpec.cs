using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;

namespace EtlRouter.Entities.Resources;

/// <summary>One stage of a pipeline's graph form: exactly one of source, transform or sink, and its inputs.</summary>
public sealed class PipelineStageSpec
{
    [JsonPropertyName("name")]
    [Description("The stage's name, unique in the pipeline; other stages name it in their inputs.")]
    [Required]
    [Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    [Length(1, 63)]
    public string? Name { get; set; }

    [JsonPropertyName("source")]
    [Description("Name of an EtlSource in the pipeline's namespace. A source stage has no inputs.")]
    public string? Source { get; set; }

    [JsonPropertyName("transform")]
    [Description("Name of an EtlTransform in the pipeline's namespace.")]
    public string? Transform { get; set; }

    [JsonPropertyName("sink")]
    [Description("Name of an EtlSink in the pipeline's namespace. A sink's output feeds no stage.")]
    public string? Sink { get; set; }

    [JsonPropertyName("inputs")]
    [Description("Stages whose output this stage consumes. Several inputs merge (fan-in); a stage named by several others feeds each of them (fan-out).")]
    public IList<string>? Inputs { get; set; }

    [JsonPropertyName("when")]
    [Description("Conditional edges: per input stage, the condition a record from it must meet to reach this stage, e.g. classify: \"region == 'eu'\" or \"tag 'vip'\" (the filter connector's expression language). An input without a condition takes every record. A record no output of a stage accepts goes where spec.unmatched says.")]
    public IDictionary<string, string>? When { get; set; }

    [JsonPropertyName("replicas")]
    [Description("How many sidecars run this stage and share its load.")]
    [RangeMinimum(1)]
    [RangeMaximum(64)]
    public int? Replicas { get; set; }
}
