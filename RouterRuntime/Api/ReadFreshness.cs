using System.Globalization;
using EtlRouter.RouterRuntime.Consensus;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Api;

/// <summary>
/// Reads are served from the answering node's state. Each read response says how fresh that state is
/// (headers x-etl-node, x-etl-leader, x-etl-applied-index, x-etl-commit-index). A client that just wrote at
/// index N sends x-etl-min-index: N and the node waits (up to the deadline) until it has applied N, so a
/// read after a write through any node sees the write.
/// </summary>
public sealed class ReadFreshness(RaftNode node)
{
    public const string MinIndexHeader = "x-etl-min-index";

    public async Task BeforeReadAsync(ServerCallContext context)
    {
        if (context.RequestHeaders.GetValue(MinIndexHeader) is { } text)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                throw new RpcException(new Status(StatusCode.InvalidArgument, $"{MinIndexHeader}: '{text}' is not a log index; send a whole number"));
            var deadline = context.Deadline < DateTime.MaxValue ? context.Deadline - DateTime.UtcNow : TimeSpan.FromSeconds(5);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
            timeout.CancelAfter(deadline > TimeSpan.Zero ? deadline : TimeSpan.Zero);
            while (node.AppliedIndex < index)
            {
                try
                {
                    await Task.Delay(10, timeout.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                        $"node {node.Options.NodeId} has applied {node.AppliedIndex}, not yet {index}; retry or ask another node"));
                }
            }
        }

        var (leaderId, _) = await node.LeaderAsync(context.CancellationToken).ConfigureAwait(false);
        await context.WriteResponseHeadersAsync(new Metadata
        {
            { "x-etl-node", node.Options.NodeId },
            { "x-etl-leader", leaderId ?? string.Empty },
            { "x-etl-applied-index", node.AppliedIndex.ToString(CultureInfo.InvariantCulture) },
            { "x-etl-commit-index", node.CommitIndex.ToString(CultureInfo.InvariantCulture) },
        }).ConfigureAwait(false);
    }
}
