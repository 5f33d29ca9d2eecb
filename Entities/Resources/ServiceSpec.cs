using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;

namespace EtlRouter.Entities.Resources;

/// <summary>The spec shared by EtlSource, EtlTransform and EtlSink: which gRPC service, and its options.</summary>
public sealed class ServiceSpec
{
    [JsonPropertyName("serviceName")]
    [Description("Name the service reports through ServiceInfo; sidecars match on it. Defaults to metadata.name.")]
    [Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    [Length(maxLength: 253)]
    public string? ServiceName { get; set; }

    [JsonPropertyName("grpc")]
    [Description("Call the service at an explicit address instead of discovering it.")]
    public GrpcEndpointSpec? Grpc { get; set; }

    [JsonPropertyName("options")]
    [Description("Options passed to the service with every call (string keys and values), e.g. a topic or a table name.")]
    public IDictionary<string, string>? Options { get; set; }

    [JsonPropertyName("scaling")]
    [Description("EtlTransform and EtlSink only: scale the workload that serves this service from the backlog the router reports for it.")]
    public ScalingSpec? Scaling { get; set; }

    /// <summary>The name sidecars match: serviceName, or the resource's own name.</summary>
    public string EffectiveServiceName(string resourceName) =>
        string.IsNullOrEmpty(ServiceName) ? resourceName : ServiceName;
}
