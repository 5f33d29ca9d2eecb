using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Leadership;

/// <summary>
/// On a follower: hands the flow reports its sidecars sent (<see cref="FlowBuffer"/>) to the leader in one call
/// about once a second, where they wait for the leader's next flow commit. Reports that could not be handed on
/// stay for the next try (a newer report of the same sidecar replaces them).
/// </summary>
internal sealed class FlowForwarder(RaftNode node, FlowBuffer flow, PeerChannels peers, ILogger<FlowForwarder> logger) : BackgroundService
{
    private static readonly TimeSpan Every = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Every);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (node.IsLeader || !node.HasLeader || flow.Drain() is not { } batch) continue;
            try
            {
                var (_, leader) = await node.LeaderAsync(stoppingToken).ConfigureAwait(false);
                if (leader is null || leader == node.Options.GrpcAdvertise)
                {
                    flow.Restore(batch);
                    continue;
                }

                RouterMetrics.Forwarded.Add(1);
                await peers.For(leader).ProposeAsync(new Command { RecordFlow = batch }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                flow.Restore(batch);
                logger.LogDebug(e, "Flow reports not handed to the leader yet; next second");
            }
        }
    }
}
