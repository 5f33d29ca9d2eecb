using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Stages;
using Grpc.Core;

namespace EtlRouter.Sidecar.Coordination;

/// <summary>
/// Follows this sidecar's assignments (SidecarCoordinator.WatchAssignments) and hands each message to the
/// stage supervisor. Reconnects on its own when a router node goes away; when the router says the sidecar is
/// not registered, registration runs again.
/// </summary>
internal sealed class AssignmentWatcher(
    SidecarOptions options,
    RouterClients router,
    StageSupervisor supervisor,
    Registration registration,
    ILogger<AssignmentWatcher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var call = router.Coordinator.WatchAssignments(new WatchAssignmentsRequest { SidecarId = options.SidecarId }, cancellationToken: stoppingToken);
                await foreach (var assignments in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    backoff = TimeSpan.FromMilliseconds(200);
                    if (!assignments.Registered && registration.IsRegistered) registration.RegisterAgain();
                    await supervisor.ApplyAsync(assignments, stoppingToken);
                }
            }
            catch (Exception e) when (Stopped.By(e, stoppingToken))
            {
                return;
            }
            catch (RpcException e)
            {
                logger.LogDebug("Assignment watch ended ({Status}); reconnecting", e.StatusCode);
            }

            try
            {
                await Task.Delay(backoff, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            backoff = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(2).Ticks, backoff.Ticks * 2));
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await supervisor.DisposeAsync();
    }
}
