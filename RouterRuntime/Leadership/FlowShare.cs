using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Leadership;

/// <summary>
/// Flow figures are figures, not decisions: they stay off the log. Every two seconds the leader merges the
/// reports it gathered (its own sidecars' and those the followers handed it) into its state and sends the same
/// batch to every follower (RouterPeer.ShareFlow), which merges it into its own; a follower that misses one
/// catches up with the next. Nothing is written to disk or replicated through Raft, so ten thousand sidecars'
/// reports cost no log entries, no fsyncs and no snapshot growth; a new leader starts from what it last received.
/// </summary>
internal sealed class FlowShare(RaftNode node, RouterState state, PeerChannels peers, ILogger<FlowShare> logger)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(2);

    /// <summary>Merges reports into this node's state: the newest report of each live sidecar wins.</summary>
    public void Merge(FlowReports reports)
    {
        lock (state.Sync)
        {
            foreach (var report in reports.Reports)
            {
                if (!state.Sidecars.ContainsKey(report.SidecarId)) continue;
                if (state.Flow.TryGetValue(report.SidecarId, out var known) && known.At is { } seen && report.At is { } at && at < seen) continue;
                state.Flow[report.SidecarId] = report;
            }
        }

        state.NotifyChanged();
    }

    /// <summary>On the leader: merges the batch here and sends it to every other member.</summary>
    public async Task PublishAsync(FlowReports reports, CancellationToken token)
    {
        Merge(reports);
        var sends = new List<Task>();
        foreach (var member in node.Cluster.Members.Where(m => m.IsRemote))
        {
            var metadata = await RaftNode.MetadataAsync(member, token).ConfigureAwait(false);
            if (metadata?.GetValueOrDefault(RaftNode.GrpcMetadata) is not { Length: > 0 } grpc) continue;
            sends.Add(SendAsync(grpc, reports, token));
        }

        await Task.WhenAll(sends).ConfigureAwait(false);
    }

    private async Task SendAsync(string grpc, FlowReports reports, CancellationToken token)
    {
        try
        {
            await peers.For(grpc).ShareFlowAsync(reports, deadline: DateTime.UtcNow + Deadline, cancellationToken: token).ConfigureAwait(false);
        }
        catch (Grpc.Core.RpcException e)
        {
            // A follower that is down or slow gets the next batch; flow is never more than a few seconds old.
            logger.LogDebug("Flow figures not shared with {Node}: {Status}", grpc, e.Status.Detail);
        }
    }
}
