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
    IReadOnlyList<NodeView> Nodes);

[Name("Node")]
internal sealed record NodeView(
    string Id,
    [property: Description("The node's Raft address, host:port.")] string Address,
    [property: Description("The node's gRPC address, host:port, when known.")] string? GrpcAddress,
    [property: Description("LEADER, FOLLOWER, CANDIDATE or UNKNOWN.")] string Role,
    [property: Description("The answering node could reach it.")] bool Healthy,
    long Term,
    long CommitIndex,
    long AppliedIndex);

/// <summary>A registered sidecar and what it runs.</summary>
[Name("Sidecar")]
internal sealed record SidecarView(
    string Id,
    string Pod,
    [property: Description("Its data-plane address, host:port.")] string Address,
    [property: Description("The services it found on its pod, as KIND/name.")] IReadOnlyList<string> Services,
    [property: Description("The stages it runs, as namespace/pipeline/stage.")] IReadOnlyList<string> Stages,
    DateTimeOffset? LeaseExpiresAt);
