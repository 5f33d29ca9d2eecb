using System.ComponentModel;
using GraphQL;

namespace EtlRouter.RouterRuntime.GraphQL;

/// <summary>The Raft group as the answering node sees it.</summary>
[Name("ClusterStatus")]
internal sealed record ClusterView(
    [property: Description("The leader's node id; null while none is known.")] string? Leader,
    long Term,
    long CommitIndex,
    [property: Description("Entries applied on the node that answered.")] long AppliedIndex,
    [property: Description("The node that answered.")] string AnsweredBy,
    [property: Description("The log format the cluster writes: the oldest any voting member applies.")] int LogFormat,
    IReadOnlyList<NodeView> Nodes,
    [property: Description("Nodes whose state hashes differ at the same applied index or checkpoint; empty when none.")] IReadOnlyList<string> Divergence);

[Name("Node")]
internal sealed record NodeView(
    string Id,
    [property: Description("The node's Raft address, host:port.")] string Address,
    [property: Description("The node's gRPC address, host:port, when known.")] string? GrpcAddress,
    [property: Description("LEADER, FOLLOWER, CANDIDATE or UNKNOWN.")] string Role,
    [property: Description("The answering node could reach it.")] bool Healthy,
    long Term,
    long CommitIndex,
    long AppliedIndex,
    [property: Description("Hash of the node's state at its applied index; equal on nodes at the same index.")] string? StateHash,
    [property: Description("The node's newest checkpoint entry, where every node hashed its state.")] long CheckpointIndex,
    string? CheckpointHash,
    [property: Description("The newest log format the node applies.")] int MaxLogFormat,
    [property: Description("Set while the node has stopped applying its log: where and why.")] string? Halted,
    [property: Description("The newest halt the node recovered from, and how.")] string? LastRecovery);

/// <summary>A registered sidecar and what it runs.</summary>
[Name("Sidecar")]
internal sealed record SidecarView(
    string Id,
    string Pod,
    [property: Description("Its data-plane address, host:port.")] string Address,
    [property: Description("The services it found on its pod, as KIND/name.")] IReadOnlyList<string> Services,
    [property: Description("The stages it runs, as namespace/pipeline/stage.")] IReadOnlyList<string> Stages,
    DateTimeOffset? LeaseExpiresAt);
