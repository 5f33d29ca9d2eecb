using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Schema;
using EtlRouter.OperatorRuntime.Abstractions.Entities;
using EtlRouter.Pipelines.Graph;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>A transform: a gRPC service that turns records into records (TransformService).</summary>
/// <example><code>
/// apiVersion: etl.router/v1
/// kind: EtlTransform
/// metadata: {name: my-transform}
/// spec: {grpc: {endpoint: my-transform-svc:50051}}
/// </code></example>
[KubernetesEntity(Group = EtlApi.Group, ApiVersion = EtlApi.Version, Kind = "EtlTransform", PluralName = "etltransforms")]
[EntityScope(EntityScope.Namespaced)]
[KubernetesEntityShortNames("etlxf")]
[KubernetesEntityCategories(EtlApi.Category)]
[Description("A transform: a gRPC service that turns records into records (TransformService).")]
[GenericAdditionalPrinterColumn(".status.serviceName", "Service", "string")]
[GenericAdditionalPrinterColumn(".spec.grpc.endpoint", "Endpoint", "string")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].status", "Ready", "string")]
[GenericAdditionalPrinterColumn(".status.sidecarCount", "Sidecars", "integer")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].reason", "Reason", "string", Priority = 1)]
[GenericAdditionalPrinterColumn(".status.scaling.replicas", "Replicas", "integer", Priority = 1)]
[GenericAdditionalPrinterColumn(".status.scaling.backlog", "Backlog", "integer", Priority = 1)]
[GenericAdditionalPrinterColumn(".metadata.creationTimestamp", "Age", "date")]
public sealed class EtlTransform : CustomEntity<ServiceSpec, ServiceStatus>, IServiceEntity
{
    public EtlTransform() => Kind = "EtlTransform";

    [JsonIgnore]
    public ServiceKind ServiceKind => ServiceKind.Transform;
}
