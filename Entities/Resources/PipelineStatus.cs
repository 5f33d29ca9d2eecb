using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Core;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>What the operator and the router observed of a pipeline.</summary>
public sealed class PipelineStatus : IHasConditions
{
    [JsonPropertyName("conditions")]
    [Description("Ready, Progressing and Degraded, with reasons such as Running, StagesPending, ReferenceNotFound, InvalidGraph, RouterUnavailable.")]
    public IList<V1Condition> Conditions { get; set; } = new List<V1Condition>();

    [JsonPropertyName("observedGeneration")]
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("stages")]
    [Description("Every stage and where it runs, as the router reports it.")]
    public IList<PipelineStageStatus> Stages { get; set; } = new List<PipelineStageStatus>();

    [JsonPropertyName("stagesReady")]
    [Description("Assigned stages over all stages, e.g. 3/3.")]
    public string? StagesReady { get; set; }

    [JsonPropertyName("recordsIn")]
    [Description("Records its sources produced.")]
    public long RecordsIn { get; set; }

    [JsonPropertyName("recordsOut")]
    [Description("Records its sinks wrote.")]
    public long RecordsOut { get; set; }

    [JsonPropertyName("dlqCount")]
    [Description("Dead letters held for the pipeline.")]
    public long DlqCount { get; set; }
}
