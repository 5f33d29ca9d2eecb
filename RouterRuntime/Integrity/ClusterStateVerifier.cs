using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Membership;
using EtlRouter.RouterRuntime.Requests;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Integrity;

/// <summary>
/// VerifyClusterState: commits a checkpoint entry, waits until every member has applied it, and compares the
/// state hashes the members computed at exactly that entry, so the check holds while writes go on (like
/// etcd's hashkv at a revision). Needs log format 2 on every member; refused with FAILED_PRECONDITION before.
/// </summary>
internal sealed class ClusterStateVerifier(WriteGateway gateway, ClusterProbe probe)
{
    private static readonly TimeSpan DefaultWait = TimeSpan.FromSeconds(10);

    public async Task<VerifyClusterStateResponse> VerifyAsync(ServerCallContext context)
    {
        var token = context.CancellationToken;
        var written = await gateway.ProposeAsync(new Command { Checkpoint = new Checkpoint() }, context, token).ConfigureAwait(false);
        var index = (long)written.Index;
        var deadline = context.Deadline < DateTime.MaxValue ? context.Deadline - TimeSpan.FromMilliseconds(250) : DateTime.UtcNow + DefaultWait;

        ClusterStatus status;
        while (true)
        {
            status = await probe.StatusAsync(token, index).ConfigureAwait(false);
            if (status.Nodes.All(n => (long)n.CheckpointIndex == index) || DateTime.UtcNow >= deadline) break;
            await Task.Delay(TimeSpan.FromMilliseconds(100), token).ConfigureAwait(false);
        }

        var response = new VerifyClusterStateResponse { Index = (ulong)index };
        foreach (var member in status.Nodes)
        {
            response.Nodes.Add((long)member.CheckpointIndex == index
                ? new NodeStateHash { NodeId = member.Id, Hash = member.CheckpointHash }
                : new NodeStateHash { NodeId = member.Id, Error = NotThere(member, index) });
        }

        response.Consistent = response.Nodes.All(n => n.Hash.Length > 0) && response.Nodes.Select(n => n.Hash).Distinct().Count() == 1;
        return response;
    }

    private static string NotThere(ClusterNode member, long index) =>
        member.HaltedReason.Length > 0 ? $"stopped applying at entry {member.HaltedAtIndex}: {member.HaltedReason}"
        : !member.Healthy ? "did not answer"
        : $"had not applied entry {index} in time (applied {member.AppliedIndex})";
}
