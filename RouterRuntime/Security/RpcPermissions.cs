using EtlRouter.Security.Identity;

namespace EtlRouter.RouterRuntime.Security;

/// <summary>
/// Which identities may call which RPC of the router. Admins may call everything but the node-to-node service;
/// the operator writes pipelines and membership; viewers read; sidecars register, watch their assignments,
/// report flow and hand over dead letters (what they may name is checked again in each API). A method missing
/// here is refused to everyone but admins, so a new RPC is closed until it is listed.
/// </summary>
internal static class RpcPermissions
{
    private static readonly PeerRole[] Readers = [PeerRole.Operator, PeerRole.Viewer, PeerRole.Router];
    private static readonly PeerRole[] Writers = [PeerRole.Operator];
    private static readonly PeerRole[] Sidecars = [PeerRole.Sidecar];

    private static readonly Dictionary<string, PeerRole[]> Allowed = new(StringComparer.Ordinal)
    {
        ["/etl.v1.ControlPlane/ApplyPipeline"] = Writers,
        ["/etl.v1.ControlPlane/DeletePipeline"] = Writers,
        ["/etl.v1.ControlPlane/DrainPipeline"] = Writers,
        // A node that is not the leader forwards a membership change, already authorized, to the leader.
        ["/etl.v1.ControlPlane/AddClusterNode"] = [PeerRole.Operator, PeerRole.Router],
        ["/etl.v1.ControlPlane/RemoveClusterNode"] = [PeerRole.Operator, PeerRole.Router],
        ["/etl.v1.ControlPlane/RestoreBackup"] = Writers,
        // A backup holds every dead letter's records: as sensitive as a restore.
        ["/etl.v1.ControlPlane/CreateBackup"] = Writers,
        // Writes a checkpoint entry: a write, though a harmless one; viewers see the hashes in cluster status.
        ["/etl.v1.ControlPlane/VerifyClusterState"] = Writers,
        ["/etl.v1.ControlPlane/GetPipeline"] = Readers,
        ["/etl.v1.ControlPlane/ListPipelines"] = Readers,
        ["/etl.v1.ControlPlane/WatchPipelineStatus"] = Readers,
        ["/etl.v1.ControlPlane/GetClusterStatus"] = [.. Readers, PeerRole.Sidecar],
        ["/etl.v1.ControlPlane/ListServiceEndpoints"] = Readers,
        ["/etl.v1.ControlPlane/GetServiceBacklog"] = Readers,
        ["/etl.v1.ServiceRegistry/Register"] = Sidecars,
        ["/etl.v1.ServiceRegistry/Heartbeat"] = Sidecars,
        ["/etl.v1.ServiceRegistry/Deregister"] = Sidecars,
        ["/etl.v1.SidecarCoordinator/WatchAssignments"] = Sidecars,
        ["/etl.v1.SidecarCoordinator/ReportFlow"] = Sidecars,
        ["/etl.v1.DeadLetters/Append"] = Sidecars,
        // Sidecars list and resolve the dead letters queued for replay of their own namespace's pipelines.
        ["/etl.v1.DeadLetters/List"] = [.. Readers, PeerRole.Sidecar],
        ["/etl.v1.DeadLetters/Resolve"] = [PeerRole.Operator, PeerRole.Sidecar],
        ["/etl.v1.DeadLetters/Replay"] = Writers,
        ["/etl.v1.DeadLetters/Purge"] = Writers,
        ["/etlrouter.v1.RouterPeer/Propose"] = [PeerRole.Router],
        ["/etlrouter.v1.RouterPeer/GetNodeStatus"] = [PeerRole.Router],
        ["/etlrouter.v1.RouterPeer/FetchSnapshot"] = [PeerRole.Router],
        ["/etlrouter.v1.RouterPeer/ShareFlow"] = [PeerRole.Router],
    };

    public static bool IsNodeToNode(string method) => method.StartsWith("/etlrouter.v1.RouterPeer/", StringComparison.Ordinal);

    public static bool May(PeerIdentity caller, string method)
    {
        if (caller.Role == PeerRole.Admin) return !IsNodeToNode(method);
        return Allowed.TryGetValue(method, out var roles) && roles.Contains(caller.Role);
    }

    /// <summary>Who may call <paramref name="method"/>, for the refusal's message.</summary>
    public static string WhoMay(string method) =>
        Allowed.TryGetValue(method, out var roles)
            ? string.Join(", ", (IsNodeToNode(method) ? roles : roles.Append(PeerRole.Admin)).Select(r => r.ToString().ToLowerInvariant()).Distinct())
            : "admin";
}
