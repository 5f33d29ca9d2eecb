using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;
using EtlRouter.Pipelines.Definitions;

namespace EtlRouter.Entities.Resources;

/// <summary>
/// Backlog-driven scaling of the workload that serves a transform or sink (Numaflow scales each vertex from its
/// backlog; HPA's stabilization window is the model for scaling down): the operator reads the records waiting for
/// the service's stages, sizes the workload at backlog / targetBacklogPerReplica within min and max, scales up at
/// once and down only when no recommendation in the last scaleDownDelay asked for more.
/// </summary>
public sealed class ScalingSpec
{
    public const int DefaultTargetBacklogPerReplica = 500;
    public const string DefaultScaleDownDelay = "5m";

    [JsonPropertyName("workload")]
    [Description("The Deployment or StatefulSet, in the resource's namespace, whose pods (with sidecars) serve this service.")]
    [Required]
    public WorkloadReference? Workload { get; set; }

    [JsonPropertyName("minReplicas")]
    [Description("Fewest replicas, even with no backlog.")]
    [RangeMinimum(1)]
    [RangeMaximum(64)]
    [Default(1)]
    public int? MinReplicas { get; set; }

    [JsonPropertyName("maxReplicas")]
    [Description("Most replicas, however large the backlog. A pipeline stage of this service runs on up to this many sidecars.")]
    [Required]
    [RangeMinimum(1)]
    [RangeMaximum(64)]
    public int? MaxReplicas { get; set; }

    [JsonPropertyName("targetBacklogPerReplica")]
    [Description("Records waiting per replica the operator aims for. Keep it below the pipelines' flowControl.maxInFlight: a sender holds at most twice that per edge, so a larger target is never reached.")]
    [RangeMinimum(1)]
    [Default(DefaultTargetBacklogPerReplica)]
    public int? TargetBacklogPerReplica { get; set; }

    [JsonPropertyName("scaleDownDelay")]
    [Description("How long every recommendation must have asked for fewer replicas before the operator scales down (a duration such as 30s or 5m); scaling up is immediate.")]
    [Pattern(DurationText.Pattern)]
    [Default(DefaultScaleDownDelay)]
    public string? ScaleDownDelay { get; set; }

    [JsonIgnore]
    public int EffectiveMinReplicas => MinReplicas ?? 1;

    [JsonIgnore]
    public int EffectiveMaxReplicas => MaxReplicas ?? EffectiveMinReplicas;

    [JsonIgnore]
    public int EffectiveTargetBacklogPerReplica => TargetBacklogPerReplica ?? DefaultTargetBacklogPerReplica;

    [JsonIgnore]
    public TimeSpan EffectiveScaleDownDelay =>
        DurationText.TryParse(ScaleDownDelay ?? DefaultScaleDownDelay, out var delay) ? delay : TimeSpan.FromMinutes(5);
}
