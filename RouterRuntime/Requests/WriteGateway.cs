using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Leadership;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Requests;

/// <summary>
/// Every write goes through here: on the leader it is replicated; on a follower it is forwarded to the leader
/// (RouterPeer.Propose). While no leader is known, or the leader changes mid-call, it retries until the call's
/// deadline. Retrying is safe because every command is idempotent (pipelines by generation, dead letters by id,
/// registrations by sidecar id).
/// </summary>
internal sealed class WriteGateway(RaftNode node, RouterState state, PeerChannels peers, FlowBuffer flow, Membership.ClusterProbe probe, ILogger<WriteGateway> logger)
{
    private static readonly TimeSpan DefaultDeadline = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan AnswerMargin = TimeSpan.FromMilliseconds(1500);

    public async Task<CommandResult> ProposeAsync(Command command, ServerCallContext? context, CancellationToken token)
    {
        // A heartbeat whose lease is still more than half left needs nobody: any node's replicated state can
        // say so (a follower's lags the leader's, and leases only grow), so followers do not forward it.
        if (command.BodyCase == Command.BodyOneofCase.RenewLease && LeaseIsFresh(command.RenewLease) is { } fresh) return fresh;

        // A node that lost its data has no log to forward through until it is re-added: say so at once.
        if (node.Halt.Current is { Kind: Integrity.HaltKind.DataLost } lost)
            throw new RpcException(new Status(StatusCode.Unavailable, $"node {node.Options.NodeId} {lost.Reason}; send writes to another router node"));

        // Stop trying a little before the caller's deadline, so the reason reaches it rather than a bare DEADLINE_EXCEEDED.
        var deadline = context is not null && context.Deadline < DateTime.MaxValue ? WithMargin(context.Deadline) : DateTime.UtcNow + DefaultDeadline;
        var delay = TimeSpan.FromMilliseconds(25);
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            token.ThrowIfCancellationRequested();
            try
            {
                if (node.IsLeader) return await ProposeAsLeaderAsync(command, token).ConfigureAwait(false);

                var (_, leader) = await node.LeaderAsync(token).ConfigureAwait(false);
                if (leader is not null && leader != node.Options.GrpcAdvertise)
                {
                    RouterMetrics.Forwarded.Add(1);
                    return await peers.For(leader).ProposeAsync(command, deadline: deadline, cancellationToken: token).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (IsRetryable(e, token))
            {
                last = e;
                logger.LogDebug(e, "Write not accepted yet; retrying");
            }

            await Task.Delay(delay, token).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }

        throw new RpcException(new Status(StatusCode.Unavailable,
            $"no Raft leader accepted the write before the deadline ({last?.Message ?? "no leader elected"}); a majority of router nodes must be up{await LostNodesAsync(token).ConfigureAwait(false)}"));
    }

    /// <summary>The caller's deadline less a fifth of the time left (at most 1.5 s): time to send the reason back.</summary>
    private static DateTime WithMargin(DateTime callerDeadline)
    {
        var left = callerDeadline - DateTime.UtcNow;
        return callerDeadline - TimeSpan.FromTicks(Math.Min(AnswerMargin.Ticks, Math.Max(0, left.Ticks / 5)));
    }

    /// <summary>Names the nodes that lost their data, when some did: why no leader can be elected, and what to do.</summary>
    private async Task<string> LostNodesAsync(CancellationToken token)
    {
        if (!node.IsRunning || node.HasLeader) return string.Empty;
        try
        {
            var lost = (await probe.StatusAsync(token).ConfigureAwait(false)).Nodes.Where(n => n.HaltedReason.StartsWith("lost its data", StringComparison.Ordinal)).Select(n => n.Id).ToList();
            return lost.Count == 0
                ? string.Empty
                : $"; node(s) {string.Join(", ", lost)} lost their data and wait to be re-added, which needs a leader: with fewer than a quorum of sound nodes nothing is re-added automatically. Bring the damaged nodes' disks back, or restore the newest backup into a fresh cluster (etlctl backup restore; README, router operations)";
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            return string.Empty;
        }
    }

    /// <summary>
    /// The leader's side. Two commands are coalesced rather than logged each time: a heartbeat whose lease is
    /// still more than half left is answered at once (so leases cost one entry per half lease, not one per
    /// heartbeat), and flow reports are buffered and committed together by <see cref="LeaderDuties"/>.
    /// </summary>
    public async Task<CommandResult> ProposeAsLeaderAsync(Command command, CancellationToken token)
    {
        // Unavailable, not FailedPrecondition: the caller retries on whichever node leads now.
        if (!node.IsLeader) throw new RpcException(new Status(StatusCode.Unavailable, "not the leader"));

        switch (command.BodyCase)
        {
            case Command.BodyOneofCase.RecordFlow:
                flow.Add(command.RecordFlow);
                return new CommandResult { Done = true };
            case Command.BodyOneofCase.RenewLease when LeaseIsFresh(command.RenewLease) is { } fresh:
                return fresh;
        }

        try
        {
            return await node.ReplicateAsync(command, token).ConfigureAwait(false);
        }
        catch (LogFormatNotActiveException e)
        {
            // Not retried: it stays refused until every member is upgraded, which no deadline covers.
            throw new RpcException(new Status(StatusCode.FailedPrecondition, e.Message));
        }
    }

    // Without the state's lock: thousands of heartbeats a second must not queue behind a long entry's apply.
    private CommandResult? LeaseIsFresh(string sidecarId)
    {
        if (!state.Leases.TryGet(sidecarId, out var expiresAt)) return null;
        if (expiresAt - DateTime.UtcNow < node.Options.SidecarLease / 2) return null;
        return new CommandResult
        {
            RenewLease = new Contracts.V1.HeartbeatResponse { LeaseSeconds = (uint)node.Options.SidecarLease.TotalSeconds, Epoch = state.Epoch },
            Index = (ulong)Math.Max(0, node.AppliedIndex),
        };
    }

    private static bool IsRetryable(Exception e, CancellationToken token) => e switch
    {
        OperationCanceledException => !token.IsCancellationRequested,
        RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Internal or StatusCode.Unknown or StatusCode.Cancelled } => true,
        RpcException => false,
        InvalidOperationException or TimeoutException or IOException => true,
        _ => e.GetType().Namespace?.StartsWith("DotNext", StringComparison.Ordinal) == true,
    };
}
