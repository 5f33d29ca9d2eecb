using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Backups;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Leadership;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>Router to router: forwarded writes land here on the leader; status fan-out asks every node.</summary>
internal sealed class RouterPeerApi(RaftNode node, RouterState state, WriteGateway gateway, BackupTransfer backups, FlowShare flow) : RouterPeer.RouterPeerBase
{
    public override Task<CommandResult> Propose(Command request, ServerCallContext context)
    {
        // Commands from peers were validated by the node that received them; check the shape again anyway,
        // since this port is reachable by anything that can reach the gRPC port.
        if (request.BodyCase == Command.BodyOneofCase.None)
            throw new RpcException(new Status(StatusCode.InvalidArgument, "command: empty; set one of its bodies"));
        return gateway.ProposeAsLeaderAsync(request, context.CancellationToken);
    }

    public override Task<ClusterNode> GetNodeStatus(NodeStatusRequest request, ServerCallContext context) =>
        Task.FromResult(node.LocalStatus((long)request.CheckpointIndex));

    public override Task<ShareFlowResponse> ShareFlow(FlowReports request, ServerCallContext context)
    {
        flow.Merge(request);
        return Task.FromResult(new ShareFlowResponse());
    }

    /// <summary>A node that stopped at a damaged entry asks for this node's state; only a node that applies gives it.</summary>
    public override async Task FetchSnapshot(FetchSnapshotRequest request, IServerStreamWriter<BackupChunk> responseStream, ServerCallContext context)
    {
        if (node.Halt.Current is { } halt)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {node.Options.NodeId} {halt}"));

        long applied;
        lock (state.Sync) applied = state.AppliedIndex;
        if (applied < (long)request.MinAppliedIndex)
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"node {node.Options.NodeId} has applied up to entry {applied}, not {request.MinAppliedIndex} yet"));

        await backups.SendAsync(responseStream, framed: false, context.CancellationToken).ConfigureAwait(false);
    }
}
