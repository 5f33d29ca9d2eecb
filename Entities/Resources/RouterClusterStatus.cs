using System.ComponentModel;
using System.Text.Json.Serialization;
using EtlRouter.Entities.Core;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>What the operator observed of a router cluster.</summary>
public sealed class RouterClusterStatus : IHasConditions
{
    [JsonPropertyName("conditions")]
    [Description("Ready is True when every replica is ready and the cluster has a leader.")]
    public IList<V1Condition> Conditions { get; set; } = new List<V1Condition>();

    [JsonPropertyName("observedGeneration")]
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [JsonPropertyName("replicas")]
    [Description("Pods the StatefulSet runs.")]
    public int Replicas { get; set; }

    [JsonPropertyName("readyReplicas")]
    [Description("Pods that are ready.")]
    public int ReadyReplicas { get; set; }

    [JsonPropertyName("leader")]
    [Description("The node that leads the Raft group.")]
    public string? Leader { get; set; }

    [JsonPropertyName("term")]
    [Description("The current Raft term.")]
    public long Term { get; set; }

    [JsonPropertyName("commitIndex")]
    [Description("The index of the last committed log entry.")]
    public long CommitIndex { get; set; }

    [JsonPropertyName("nodes")]
    [Description("Every node's role and health.")]
    public IList<RouterNodeStatus> Nodes { get; set; } = new List<RouterNodeStatus>();
}
