using System.ComponentModel;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Schema;
using k8s.Models;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.Entities.Resources;

/// <summary>A Raft-replicated router cluster the operator runs as a StatefulSet.</summary>
/// <example><code>
/// apiVersion: etl.router/v1
/// kind: EtlRouterCluster
/// metadata: {name: etl-router}
/// spec: {replicas: 3}
/// </code></example>
[KubernetesEntity(Group = EtlApi.Group, ApiVersion = EtlApi.Version, Kind = "EtlRouterCluster", PluralName = "etlrouterclusters")]
[EntityScope(EntityScope.Namespaced)]
[KubernetesEntityShortNames("etlrc")]
[KubernetesEntityCategories(EtlApi.Category)]
[Description("A Raft-replicated router cluster the operator runs as a StatefulSet.")]
[GenericAdditionalPrinterColumn(".spec.replicas", "Replicas", "integer")]
[GenericAdditionalPrinterColumn(".status.readyReplicas", "Ready-Replicas", "integer")]
[GenericAdditionalPrinterColumn(".status.leader", "Leader", "string")]
[GenericAdditionalPrinterColumn(".status.term", "Term", "integer")]
[GenericAdditionalPrinterColumn(".status.conditions[?(@.type==\"Ready\")].status", "Ready", "string")]
[GenericAdditionalPrinterColumn(".status.commitIndex", "Commit-Index", "integer", Priority = 1)]
[GenericAdditionalPrinterColumn(".metadata.creationTimestamp", "Age", "date")]
public sealed class EtlRouterCluster : CustomEntity<RouterClusterSpec, RouterClusterStatus>
{
    public EtlRouterCluster() => Kind = "EtlRouterCluster";
}
