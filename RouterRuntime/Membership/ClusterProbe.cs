using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Configuration;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Membership;

/// <summary>
/// GetClusterStatus: this node's view of the Raft group, and every member's own view, asked in parallel and
/// briefly, so a dead node shows as unhealthy rather than as a hang.
/// </summary>
internal sealed class ClusterProbe(RaftNode node, PeerChannels peers)
{
    private static readonly TimeSpan MemberDeadline = TimeSpan.FromMilliseconds(750);

    /// <param name="checkpointIndex">Ask every node for its state hash at this checkpoint entry (0: its newest).</param>
    public async Task<ClusterStatus> StatusAsync(CancellationToken token, long checkpointIndex = 0)
    {
        var (leaderId, _) = await node.LeaderAsync(token).ConfigureAwait(false);
        var status = new ClusterStatus
        {
            LeaderId = leaderId ?? string.Empty,
            Term = (ulong)Math.Max(0, node.Term),
            CommitIndex = (ulong)Math.Max(0, node.CommitIndex),
            AppliedIndex = (ulong)Math.Max(0, node.AppliedIndex),
            SnapshotIndex = (ulong)Math.Max(0, node.SnapshotIndex),
            LogFormat = node.WriteFormat(),
            AnsweredBy = node.Options.NodeId,
        };

        // A node without a running Raft member (its data lost) knows the group only as RAFT_PEERS lists it.
        if (!node.IsRunning)
        {
            var listed = node.Options.Peers.Select(peer => peer.Id == node.Options.NodeId
                ? Task.FromResult(node.LocalStatus(checkpointIndex))
                : AskAsync(new ClusterNode { Id = peer.Id, Address = peer.Address, GrpcAddress = node.Options.PeerGrpc.GetValueOrDefault(peer.Id, string.Empty) }, checkpointIndex, token));
            status.Nodes.AddRange((await Task.WhenAll(listed).ConfigureAwait(false)).OrderBy(n => n.Id, StringComparer.Ordinal));
            return status;
        }

        var probes = node.Cluster.Members.Select(async member =>
        {
            if (!member.IsRemote) return node.LocalStatus(checkpointIndex);
            var metadata = await RaftNode.MetadataAsync(member, token).ConfigureAwait(false);
            var address = RaftPeer.AddressOf(member.EndPoint);

            // A member that runs no Raft member (its data lost) has no metadata to give: RAFT_PEERS_GRPC names it.
            var configured = node.Options.Peers.FirstOrDefault(p => p.Address == address);
            var fallback = new ClusterNode
            {
                Id = metadata?.GetValueOrDefault(RaftNode.NodeIdMetadata) ?? configured?.Id ?? string.Empty,
                Address = address,
                GrpcAddress = metadata?.GetValueOrDefault(RaftNode.GrpcMetadata) ?? (configured is null ? null : node.Options.PeerGrpc.GetValueOrDefault(configured.Id)) ?? string.Empty,
                Role = member.IsLeader ? NodeRole.Leader : NodeRole.Unspecified,
                Healthy = false,
            };
            return await AskAsync(fallback, checkpointIndex, token).ConfigureAwait(false);
        });
        status.Nodes.AddRange((await Task.WhenAll(probes).ConfigureAwait(false)).OrderBy(n => n.Id, StringComparer.Ordinal));
        return status;
    }

    /// <summary>A member's own view of itself, or <paramref name="fallback"/> (unhealthy) when it does not answer.</summary>
    private async Task<ClusterNode> AskAsync(ClusterNode fallback, long checkpointIndex, CancellationToken token)
    {
        if (fallback.GrpcAddress.Length == 0) return fallback;
        try
        {
            var answer = await peers.For(fallback.GrpcAddress).GetNodeStatusAsync(new NodeStatusRequest { CheckpointIndex = (ulong)checkpointIndex }, deadline: DateTime.UtcNow + MemberDeadline, cancellationToken: token).ConfigureAwait(false);
            answer.Address = fallback.Address;
            return answer;
        }
        catch (RpcException)
        {
            return fallback;
        }
    }
}
