using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Membership;

/// <summary>
/// Records in the log which formats this node applies (RAFT_LOG_FORMAT, default the newest), whenever the
/// replicated state does not say so yet: after the node starts, after it was upgraded or rolled back, after a
/// restore. The leader writes only what every voting member recorded (<see cref="ClusterLogFormat"/>).
/// </summary>
internal sealed class MemberFormatReporter(RaftNode node, RouterState state, WriteGateway gateway, ILogger<MemberFormatReporter> logger) : BackgroundService
{
    private static readonly TimeSpan Check = TimeSpan.FromMilliseconds(500);

    // A node that stopped applying never sees its record land; it says it again only this often.
    private static readonly TimeSpan Repeat = TimeSpan.FromSeconds(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var options = node.Options;
        var lastSent = DateTime.MinValue;
        using var timer = new PeriodicTimer(Check);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (Recorded() || DateTime.UtcNow - lastSent < Repeat || !node.HasLeader) continue;
            try
            {
                await gateway.ProposeAsync(
                    new Command { RecordMemberFormat = new MemberFormat { RaftAddress = options.Self.Address, NodeId = options.NodeId, MaxFormat = options.MaxLogFormat } },
                    context: null,
                    stoppingToken).ConfigureAwait(false);
                lastSent = DateTime.UtcNow;
                logger.LogInformation("Recorded in the log: node {Node} ({Address}) applies log formats up to {Format}", options.NodeId, options.Self.Address, options.MaxLogFormat);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogDebug(e, "Recording this node's log format not done yet; retrying");
            }
        }
    }

    private bool Recorded()
    {
        lock (state.Sync)
        {
            return state.MemberFormats.TryGetValue(node.Options.Self.Address, out var member)
                && member.MaxFormat == node.Options.MaxLogFormat
                && member.NodeId == node.Options.NodeId;
        }
    }
}
