using System.Globalization;
using EtlRouter.Contracts;
using EtlRouter.RouterRuntime.Consensus;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Requests;

/// <summary>
/// Reads are served from the answering node's state. Each read response says how fresh that state is
/// (headers x-etl-node, x-etl-leader, x-etl-applied-index, x-etl-commit-index). A client that just wrote at
/// index N sends x-etl-min-index: N and the node waits (up to the deadline) until it has applied N, so a
/// read after a write through any node sees the write. A node that stopped applying its log refuses reads.
/// </summary>
internal sealed class ReadFreshness(RaftNode node)
{
    public async Task BeforeReadAsync(ServerCallContext context)
    {
        // A node that stopped applying holds a state the others have moved past: it does not answer reads.
        if (node.Halt.Current is { } halt)
            throw new RpcException(new Status(StatusCode.Unavailable, $"node {node.Options.NodeId} {halt}; ask another node"));
        if (!node.IsRunning)
            throw new RpcException(new Status(StatusCode.Unavailable, $"node {node.Options.NodeId} holds no log yet (it is asking its peers whether the group is new); ask another node"));

        if (context.RequestHeaders.GetValue(RouterHeaders.MinIndex) is { } text)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"{RouterHeaders.MinIndex}: '{text}' is not a log index; send a whole number"));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            timeout.CancelAfter(context.Deadline < DateTime.MaxValue ? Max(context.Deadline - DateTime.UtcNow, TimeSpan.Zero) : TimeSpan.FromSeconds(5));
            try
            {
                await node.WaitForAppliedAsync(index, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                    $"node {node.Options.NodeId} has applied {node.AppliedIndex}, not yet {index}; retry or ask another node"));
            }
        }

        var (leaderId, _) = await node.LeaderAsync(context.CancellationToken).ConfigureAwait(false);
        await context.WriteResponseHeadersAsync(new Metadata
        {
            { RouterHeaders.Node, node.Options.NodeId },
            { RouterHeaders.Leader, leaderId ?? string.Empty },
            { RouterHeaders.AppliedIndex, node.AppliedIndex.ToString(CultureInfo.InvariantCulture) },
            { RouterHeaders.CommitIndex, node.CommitIndex.ToString(CultureInfo.InvariantCulture) },
        }).ConfigureAwait(false);
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
