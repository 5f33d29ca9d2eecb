using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Schema;
using EtlRouter.OperatorRuntime.Abstractions.Entities;
using EtlRouter.Pipelines.Graph;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>A sink: a gRPC service that writes records somewhere (SinkService).</summary>
/// <example><code>
/// apiVersion: etl.router/v1
/// kind: EtlSink
/// metadata: {name: my-sink}
/// spec: {grpc: {endpoint: my-sink-svc:50051}}
/// </code></example>
[KubernetesEntity(Group = EtlApi.Group, ApiVersion = EtlApi.Version, Kind = "EtlSink", PluralName = "etlsinks")]
[EntityScope(EntityScope.Namespaced)]
[KubernetesEntityShortNames("etlsink")]
[KubernetesEntityCategories(EtlApi.Category)]
[Description("A sink: a gRPC service that writes records somewhere (SinkService).")]
[GenericAdditionalPrinterColumn(".status.serviceName", "Service", "string")]
[GenericAdditionalPrinterColumn(".spec.grpc.endpoint", "Endpoint", "string")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].status", "Ready", "string")]
[GenericAdditionalPrinterColumn(".status.sidecarCount", "Sidecars", "integer")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].reason", "Reason", "string", Priority = 1)]
[GenericAdditionalPrinterColumn(".status.scaling.replicas", "Replicas", "integer", Priority = 1)]
[GenericAdditionalPrinterColumn(".status.scaling.backlog", "Backlog", "integer", Priority = 1)]
[GenericAdditionalPrinterColumn(".metadata.creationTimestamp", "Age", "date")]
public sealed class EtlSink : CustomEntity<ServiceSpec, ServiceStatus>, IServiceEntity
{
    public EtlSink() => Kind = "EtlSink";

    [JsonIgnore]
    public ServiceKind ServiceKind => ServiceKind.Sink;
}
