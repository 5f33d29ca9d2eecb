using System.ComponentModel;
using System.Text.Json.Serialization;

namespace EtlRouter.Entities.Resources;

/// <summary>A stage as the router runs it: its service and the sidecars it is assigned to.</summary>
public sealed class PipelineStageStatus
{
    [JsonPropertyName("name")]
    [Description("The stage's name.")]
    public string? Name { get; set; }

    [JsonPropertyName("kind")]
    [Description("Source, Transform or Sink.")]
    public string? Kind { get; set; }

    [JsonPropertyName("service")]
    [Description("The service the stage calls.")]
    public string? Service { get; set; }

    [JsonPropertyName("assignments")]
    [Description("Where the stage runs.")]
    public IList<ServiceEndpointStatus> Assignments { get; set; } = new List<ServiceEndpointStatus>();
}
