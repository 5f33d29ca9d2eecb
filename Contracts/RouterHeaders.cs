namespace EtlRouter.Contracts;

/// <summary>
/// The gRPC headers routers read and write besides the messages (see control_plane.proto): how fresh a
/// read is, and the log index a client needs a read to include.
/// </summary>
public static class RouterHeaders
{
    /// <summary>Request: answer only once the node has applied this log index (read your own write).</summary>
    public const string MinIndex = "x-etl-min-index";

    /// <summary>Response: the node that answered.</summary>
    public const string Node = "x-etl-node";

    /// <summary>Response: the leader that node knows of.</summary>
    public const string Leader = "x-etl-leader";

    /// <summary>Response: the log index the answer reflects.</summary>
    public const string AppliedIndex = "x-etl-applied-index";

    /// <summary>Response: the answering node's commit index.</summary>
    public const string CommitIndex = "x-etl-commit-index";
}
