using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>Router to router: forwarded writes land here on the leader; status fan-out asks every node.</summary>
internal sealed class RouterPeerApi(RaftNode node, WriteGateway gateway) : RouterPeer.RouterPeerBase
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
        Task.FromResult(node.LocalStatus());
}
