using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Schema;
using EtlRouter.Pipelines.Definitions;

namespace EtlRouter.Entities.Resources;

/// <summary>Where a service is called when discovery should not decide.</summary>
public sealed class GrpcEndpointSpec
{
    public const int DefaultTimeoutSeconds = PipelineDefaults.DefaultTimeoutSeconds;

    [JsonPropertyName("endpoint")]
    [Description("Explicit host:port of the service's gRPC server, e.g. kafka-source-svc:50051. When set, sidecars call it there instead of discovering it.")]
    [Pattern(@"^[A-Za-z0-9]([-A-Za-z0-9.]*[A-Za-z0-9])?:[0-9]{1,5}$")]
    [Length(maxLength: 260)]
    public string? Endpoint { get; set; }

    [JsonPropertyName("timeoutSeconds")]
    [Description("Deadline of one call to the service, in seconds.")]
    [RangeMinimum(1)]
    [RangeMaximum(300)]
    [Default(DefaultTimeoutSeconds)]
    public int? TimeoutSeconds { get; set; }
}
