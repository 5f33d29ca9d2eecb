using System.ComponentModel;
using System.Text.Json.Serialization;

namespace EtlRouter.Entities.Resources;

/// <summary>One place a service is served: the sidecar that found it, and its pod.</summary>
public sealed class ServiceEndpointStatus
{
    [JsonPropertyName("sidecarId")]
    [Description("The sidecar that registered the service.")]
    public string? SidecarId { get; set; }

    [JsonPropertyName("pod")]
    [Description("The pod the sidecar runs in.")]
    public string? Pod { get; set; }

    [JsonPropertyName("address")]
    [Description("The sidecar's data-plane address (host:port).")]
    public string? Address { get; set; }
}
