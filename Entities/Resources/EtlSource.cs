using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Schema;
using EtlRouter.OperatorRuntime.Abstractions.Entities;
using EtlRouter.Pipelines.Graph;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>A source: a gRPC service that streams records into pipelines (SourceService).</summary>
/// <example><code>
/// apiVersion: etl.router/v1
/// kind: EtlSource
/// metadata: {name: my-source}
/// spec: {grpc: {endpoint: my-source-svc:50051}}
/// </code></example>
[KubernetesEntity(Group = EtlApi.Group, ApiVersion = EtlApi.Version, Kind = "EtlSource", PluralName = "etlsources")]
[EntityScope(EntityScope.Namespaced)]
[KubernetesEntityShortNames("etlsrc")]
[KubernetesEntityCategories(EtlApi.Category)]
[Description("A source: a gRPC service that streams records into pipelines (SourceService).")]
[GenericAdditionalPrinterColumn(".status.serviceName", "Service", "string")]
[GenericAdditionalPrinterColumn(".spec.grpc.endpoint", "Endpoint", "string")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].status", "Ready", "string")]
[GenericAdditionalPrinterColumn(".status.sidecarCount", "Sidecars", "integer")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].reason", "Reason", "string", Priority = 1)]
[GenericAdditionalPrinterColumn(".metadata.creationTimestamp", "Age", "date")]
public sealed class EtlSource : CustomEntity<ServiceSpec, ServiceStatus>, IServiceEntity
{
    public EtlSource() => Kind = "EtlSource";

    [JsonIgnore]
    public ServiceKind ServiceKind => ServiceKind.Source;
}
