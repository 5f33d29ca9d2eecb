using System.ComponentModel;
using System.Text.Json.Serialization;

namespace EtlRouter.Entities.Resources;

/// <summary>One router node as the cluster reports it.</summary>
public sealed class RouterNodeStatus
{
    [JsonPropertyName("id")]
    [Description("The node's RAFT_NODE_ID.")]
    public string? Id { get; set; }

    [JsonPropertyName("role")]
    [Description("Leader, Follower or Candidate.")]
    public string? Role { get; set; }

    [JsonPropertyName("healthy")]
    [Description("Whether the node answers and follows the leader.")]
    public bool Healthy { get; set; }
}
