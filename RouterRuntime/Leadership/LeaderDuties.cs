using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Leadership;

/// <summary>
/// What only the leader does, on a timer: expire sidecar leases (by its clock, through a command, so every
/// node drops the sidecar at the same index), share buffered flow reports (off the log, <see cref="FlowShare"/>), apply dead-letter retention, and
/// write a checkpoint at which every node hashes its state.
/// </summary>
internal sealed class LeaderDuties(RaftNode node, RouterState state, WriteGateway gateway, FlowBuffer flow, FlowShare share, ILogger<LeaderDuties> logger) : BackgroundService
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan FlowEvery = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan RetentionEvery = TimeSpan.FromMinutes(1);

    // Every node hashes its state at each checkpoint entry: cluster status compares them while writes go on.
    private static readonly TimeSpan CheckpointEvery = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lastFlow = DateTime.UtcNow;
        var lastRetention = DateTime.UtcNow;
        var lastCheckpoint = DateTime.UtcNow;
        using var timer = new PeriodicTimer(Tick);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (!node.IsLeader) continue;
            try
            {
                var now = DateTime.UtcNow;
                if (AnyLeaseExpired(now) || now - lastRetention > RetentionEvery)
                {
                    lastRetention = now;
                    await gateway.ProposeAsLeaderAsync(new Command { ExpireLeases = new ExpireLeases() }, stoppingToken).ConfigureAwait(false);
                }

                if (now - lastCheckpoint > CheckpointEvery && node.WriteFormat() >= RouterLogFormat.Requires(new Command { Checkpoint = new Checkpoint() }))
                {
                    lastCheckpoint = now;
                    await node.ReplicateAsync(new Command { Checkpoint = new Checkpoint() }, stoppingToken).ConfigureAwait(false);
                }

                if (now - lastFlow > FlowEvery && flow.Drain() is { } reports)
                {
                    lastFlow = now;
                    await share.PublishAsync(reports, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Lost leadership mid-call, most likely; the next leader takes over these duties.
                logger.LogDebug(e, "Leader duty not completed");
            }
        }
    }

    // Every 250 ms over every lease: without the state's lock, which the applier and readers need more.
    private bool AnyLeaseExpired(DateTime now) => state.Leases.AnyEndedBy(now);
}
