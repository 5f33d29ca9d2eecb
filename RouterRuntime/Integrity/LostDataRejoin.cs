using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Requests;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Integrity;

/// <summary>
/// Brings back a node whose data could not be opened, or whose log is gone while its group runs, without ever
/// letting it vote or count toward a quorum with a log it no longer has (etcd's remove-and-add-back, done by the node
/// itself): it asks its peers (RAFT_PEERS_GRPC) for the leader, has the leader remove it from the group, sets its
/// data aside (kept, never deleted), starts an empty Raft member in join mode and has the leader add it back,
/// which catches it up before the change commits. With no leader (fewer than a quorum of sound nodes) it does
/// nothing but wait and say so: nothing is set aside, nobody is re-added.
/// </summary>
internal sealed class LostDataRejoin(RaftNode node, PeerChannels peers, ILogger<LostDataRejoin> logger) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan VerdictRetry = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan AskDeadline = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan AddDeadline = TimeSpan.FromSeconds(60);
    private string? setAside;
    private string? lastWait;

    /// <summary>What the peers said: how many answered, whether the group already holds anything, and its leader.</summary>
    private sealed record PeerView(int Answered, bool GroupExists, string? LeaderId, string? LeaderGrpc);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Quickly while a new group's nodes are deciding together (they should start within moments of each other).
            await Task.Delay(node.AwaitsPeersVerdict ? VerdictRetry : Retry, stoppingToken).ConfigureAwait(false);
            if (node.Halt.Current is not { Kind: HaltKind.DataLost } && !node.AwaitsPeersVerdict) continue;
            try
            {
                var view = await AskPeersAsync(stoppingToken).ConfigureAwait(false);
                if (node.AwaitsPeersVerdict)
                {
                    if (view.Answered == 0) continue;
                    if (!view.GroupExists)
                    {
                        // The peers hold no log either: a new group, which this node forms with them.
                        await node.StartFreshAsync(join: false, stoppingToken).ConfigureAwait(false);
                        continue;
                    }

                    // The group runs and this member has no log: its volume was lost or replaced.
                    node.Halt.Halt(new HaltReport(0, HaltKind.DataLost,
                        $"its data directory {Path.GetFullPath(node.Options.DataDir)} holds no log while its group runs (a lost or replaced volume); it is re-added as a new member once a leader is known", DateTime.UtcNow));
                }

                if (view.LeaderGrpc is null)
                {
                    Wait(view.Answered == 0
                        ? "no other router node answers yet"
                        : "no leader: fewer than a quorum of the other nodes are sound; nothing is set aside or re-added until one is elected (README, router operations)");
                    continue;
                }

                await RejoinAsync(view, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested && e is RpcException or IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
            {
                logger.LogWarning("Node {Id}: rejoining not done yet ({Reason}); retrying", node.Options.NodeId, e.Message.Split('\n')[0]);
            }
        }
    }

    private async Task RejoinAsync(PeerView view, CancellationToken token)
    {
        var leader = peers.ControlPlaneFor(view.LeaderGrpc!);
        var self = node.Options.Self.Address;
        if (!node.IsRunning)
        {
            try
            {
                await leader.RemoveClusterNodeAsync(new RemoveClusterNodeRequest { RaftAddress = self }, deadline: DateTime.UtcNow + AddDeadline, cancellationToken: token).ConfigureAwait(false);
                logger.LogWarning("Node {Id}: removed from the group by leader {Leader}, so it never votes with the log it lost", node.Options.NodeId, view.LeaderId);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition)
            {
                // Not a member (removed before a restart): nothing to undo.
            }

            setAside = node.SetAsideData();
            logger.LogWarning("Node {Id}: its old data is kept in {Aside}; starting as a new member", node.Options.NodeId, setAside);
            await node.StartFreshAsync(join: true, token).ConfigureAwait(false);
        }

        try
        {
            await leader.AddClusterNodeAsync(new AddClusterNodeRequest { RaftAddress = self }, deadline: DateTime.UtcNow + AddDeadline, cancellationToken: token).ConfigureAwait(false);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && e.Status.Detail.Contains("already a member", StringComparison.Ordinal))
        {
        }

        var commit = (long)(await leader.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow + AskDeadline, cancellationToken: token).ConfigureAwait(false)).CommitIndex;
        using var caughtUp = CancellationTokenSource.CreateLinkedTokenSource(token);
        caughtUp.CancelAfter(AddDeadline);
        await node.WaitForAppliedAsync(commit, caughtUp.Token).ConfigureAwait(false);
        node.Halt.Resume($"rejoined the group as a new member through leader {view.LeaderId}, caught up to entry {commit}" +
            (setAside is null ? string.Empty : $"; the old data is kept in {setAside}"));
        logger.LogWarning("Node {Id} {Recovery}", node.Options.NodeId, node.Halt.LastRecovery);
    }

    private async Task<PeerView> AskPeersAsync(CancellationToken token)
    {
        var answered = 0;
        var exists = false;
        foreach (var (id, grpc) in node.Options.PeerGrpc.Where(p => p.Key != node.Options.NodeId))
        {
            try
            {
                var status = await peers.ControlPlaneFor(grpc).GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow + AskDeadline, cancellationToken: token).ConfigureAwait(false);
                answered++;
                exists |= status.Term > 0 || status.CommitIndex > 0;
                if (status.LeaderId.Length > 0 && status.Nodes.FirstOrDefault(n => n.Id == status.LeaderId) is { GrpcAddress.Length: > 0 } leader)
                    return new PeerView(answered, true, status.LeaderId, leader.GrpcAddress);
            }
            catch (RpcException e)
            {
                logger.LogDebug("Node {Peer} at {Grpc} did not answer: {Detail}", id, grpc, e.Status.Detail);
            }
        }

        return new PeerView(answered, exists, null, null);
    }

    private void Wait(string why)
    {
        if (why == lastWait) return;
        lastWait = why;
        logger.LogWarning("Node {Id} {Halt}; waiting: {Why}", node.Options.NodeId, node.Halt.Current, why);
    }
}
