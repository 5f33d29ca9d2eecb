using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Api;
using EtlRouter.RouterRuntime.Configuration;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Requests;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Membership;

/// <summary>
/// AddClusterNode and RemoveClusterNode: only the leader changes the Raft configuration, so a follower forwards
/// the request; the answer is the group as it stands afterwards.
/// </summary>
internal sealed class MembershipChange(RaftNode node, PeerChannels peers, ClusterProbe probe)
{
    public async Task<ClusterStatus> ApplyAsync(string raftAddress, bool add, ServerCallContext context)
    {
        if (!RaftPeer.TryParseAddress(raftAddress, out var endPoint, out var problem))
            throw RequestValidation.Invalid("raft_address", $"'{raftAddress}' {problem} (the node's RAFT_ADDRESS)");

        if (!node.IsLeader)
        {
            var (_, leader) = await node.LeaderAsync(context.CancellationToken).ConfigureAwait(false);
            if (leader is null) throw new RpcException(new Status(StatusCode.Unavailable, "no leader is known; retry once the group has elected one"));
            var client = peers.ControlPlaneFor(leader);
            return add
                ? await client.AddClusterNodeAsync(new AddClusterNodeRequest { RaftAddress = raftAddress }, deadline: context.Deadline, cancellationToken: context.CancellationToken).ConfigureAwait(false)
                : await client.RemoveClusterNodeAsync(new RemoveClusterNodeRequest { RaftAddress = raftAddress }, deadline: context.Deadline, cancellationToken: context.CancellationToken).ConfigureAwait(false);
        }

        var changed = add
            ? await node.AddMemberAsync(endPoint!, context.CancellationToken).ConfigureAwait(false)
            : await node.RemoveMemberAsync(endPoint!, context.CancellationToken).ConfigureAwait(false);
        if (!changed)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, add
                ? $"{raftAddress} was not added: it is already a member, or it did not answer (start it with RAFT_JOIN=true and RAFT_ADDRESS={raftAddress})"
                : $"{raftAddress} was not removed: it is not a member"));
        }

        return await probe.StatusAsync(context.CancellationToken).ConfigureAwait(false);
    }
}
