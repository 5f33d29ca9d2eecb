using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Core;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>What the operator observed of a source, transform or sink.</summary>
public sealed class ServiceStatus : IHasConditions
{
    [JsonPropertyName("conditions")]
    [Description("Ready is True when a sidecar serves the service (or an explicit endpoint is set).")]
    public IList<V1Condition> Conditions { get; set; } = new List<V1Condition>();

    [JsonPropertyName("observedGeneration")]
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("serviceName")]
    [Description("The service name sidecars match.")]
    public string? ServiceName { get; set; }

    [JsonPropertyName("endpoints")]
    [Description("The sidecars (pods) that serve the service.")]
    public IList<ServiceEndpointStatus> Endpoints { get; set; } = new List<ServiceEndpointStatus>();

    [JsonPropertyName("sidecarCount")]
    [Description("How many sidecars serve the service.")]
    public int SidecarCount { get; set; }

    [JsonPropertyName("scaling")]
    [Description("Backlog-driven scaling: the last figures and decision (with spec.scaling).")]
    public ScalingStatus? Scaling { get; set; }
}
