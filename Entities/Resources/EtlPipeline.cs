using System.ComponentModel;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Schema;
using k8s.Models;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Entities.Resources;

/// <summary>A pipeline: records from sources, through transforms, into sinks.</summary>
/// <example><code>
/// apiVersion: etl.router/v1
/// kind: EtlPipeline
/// metadata: {name: user-analytics}
/// spec:
///   source: kafka-users
///   steps: [filter-active, mask-pii]
///   sink: clickhouse-analytics
///   dlq: {enabled: true, maxRetries: 3}
/// </code></example>
[KubernetesEntity(Group = EtlApi.Group, ApiVersion = EtlApi.Version, Kind = "EtlPipeline", PluralName = "etlpipelines")]
[EntityScope(EntityScope.Namespaced)]
[KubernetesEntityShortNames("etlp", "etlpipe")]
[KubernetesEntityCategories(EtlApi.Category)]
[Description("A pipeline: records from sources, through transforms, into sinks.")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].status", "Ready", "string")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].reason", "Reason", "string")]
[GenericAdditionalPrinterColumn(".status.stagesReady", "Stages", "string")]
[GenericAdditionalPrinterColumn(".status.recordsOut", "Records-Out", "integer")]
[GenericAdditionalPrinterColumn(".status.dlqCount", "DLQ", "integer")]
[GenericAdditionalPrinterColumn(".spec.source", "Source", "string", Priority = 1)]
[GenericAdditionalPrinterColumn(".spec.sink", "Sink", "string", Priority = 1)]
[GenericAdditionalPrinterColumn(".metadata.creationTimestamp", "Age", "date")]
public sealed class EtlPipeline : CustomEntity<PipelineSpec, PipelineStatus>
{
    public EtlPipeline() => Kind = "EtlPipeline";
}
