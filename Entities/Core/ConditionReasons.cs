namespace EtlRouter.Entities.Core;

/// <summary>The reasons our conditions carry: CamelCase words a user can search for and a script can match.</summary>
public static class ConditionReasons
{
    public const string Running = "Running";
    public const string StagesPending = "StagesPending";
    public const string ReferenceNotFound = "ReferenceNotFound";
    public const string InvalidGraph = "InvalidGraph";
    public const string InvalidSpec = "InvalidSpec";
    public const string RouterUnavailable = "RouterUnavailable";
    public const string RouterClusterNotFound = "RouterClusterNotFound";
    public const string Reconciling = "Reconciling";
    public const string AsExpected = "AsExpected";
    public const string Served = "Served";
    public const string EndpointConfigured = "EndpointConfigured";
    public const string NoSidecar = "NoSidecar";
    public const string ReplicasNotReady = "ReplicasNotReady";
    public const string NoLeader = "NoLeader";
    public const string Scaling = "Scaling";
    public const string Deleting = "Deleting";

    /// <summary>A router node stopped applying its log, or lost its data and waits to be re-added.</summary>
    public const string NodeHalted = "NodeHalted";

    /// <summary>Router nodes hold different states at the same log entry (a node must be wiped and re-added).</summary>
    public const string Diverged = "Diverged";
}
