using System.ComponentModel;
using System.Text.Json.Serialization;

namespace EtlRouter.Entities.Resources;

/// <summary>What the operator last saw and decided for a scaled workload, and why.</summary>
public sealed class ScalingStatus
{
    [JsonPropertyName("workload")]
    [Description("Kind/name of the workload scaled.")]
    public string? Workload { get; set; }

    [JsonPropertyName("replicas")]
    [Description("The workload's spec.replicas after the last decision.")]
    public int? Replicas { get; set; }

    [JsonPropertyName("desiredReplicas")]
    [Description("What the backlog alone asks for now, within min and max (scaling down waits for scaleDownDelay).")]
    public int? DesiredReplicas { get; set; }

    [JsonPropertyName("backlog")]
    [Description("Records waiting for the service's stages at the last look (the router's etl_router_service_backlog).")]
    public long? Backlog { get; set; }

    [JsonPropertyName("throttledEdges")]
    [Description("Input edges whose senders had a backlog and no credit: this service was the bottleneck there.")]
    public int? ThrottledEdges { get; set; }

    [JsonPropertyName("lastScaleTime")]
    [Description("When the operator last changed the workload's replicas.")]
    public DateTime? LastScaleTime { get; set; }

    [JsonPropertyName("reason")]
    [Description("Why the workload has the replicas it has, e.g. 'backlog 2400 at 500 per replica: scaled 1 -> 5'.")]
    public string? Reason { get; set; }
}
