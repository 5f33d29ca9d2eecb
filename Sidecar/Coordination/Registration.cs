using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Connections;
using EtlRouter.Sidecar.Discovery;
using EtlRouter.Sidecar.Model;
using Grpc.Core;

namespace EtlRouter.Sidecar.Coordination;

/// <summary>
/// Keeps the sidecar registered: scans for services, registers what it found, heartbeats within the lease,
/// registers again when the set changes or the router forgot it, and deregisters on shutdown.
/// </summary>
internal sealed class Registration(
    SidecarOptions options,
    ServiceScanner scanner,
    LocalServices services,
    RouterClients router,
    ILogger<Registration> logger) : BackgroundService
{
    private readonly SemaphoreSlim wake = new(0);
    private volatile bool registered;
    private bool routerDownReported;

    /// <summary>True once the router has acknowledged the current registration.</summary>
    public bool IsRegistered => registered;

    /// <summary>The router no longer knows this sidecar (assignments said so): register now.</summary>
    public void RegisterAgain()
    {
        registered = false;
        wake.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var heartbeatEvery = TimeSpan.FromSeconds(3);
        var nextScan = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (DateTime.UtcNow >= nextScan)
                {
                    if (services.Replace(await scanner.ScanAsync(stoppingToken)))
                    {
                        registered = false;
                        logger.LogInformation("Discovery found {Services}", Describe(services.Current));
                    }

                    nextScan = DateTime.UtcNow + options.RescanInterval;
                }

                if (!registered)
                {
                    var response = await router.Registry.RegisterAsync(Request(), deadline: Deadline(), cancellationToken: stoppingToken);
                    heartbeatEvery = TimeSpan.FromSeconds(Math.Max(1, response.HeartbeatIntervalSeconds));
                    registered = true;
                    logger.LogInformation("Registered as {SidecarId} at {Address} with {Count} service(s)", options.SidecarId, options.AdvertiseAddress, services.Current.Count);
                }
                else
                {
                    await router.Registry.HeartbeatAsync(new HeartbeatRequest { SidecarId = options.SidecarId }, deadline: Deadline(), cancellationToken: stoppingToken);
                }

                routerDownReported = false;
            }
            catch (Exception e) when (Stopped.By(e, stoppingToken))
            {
                break;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                registered = false;
                continue;
            }
            catch (RpcException e)
            {
                if (!routerDownReported) logger.LogWarning("Router at {Endpoint} did not answer ({Status}); retrying", options.ClusterEndpoint, e.StatusCode);
                routerDownReported = true;
                heartbeatEvery = TimeSpan.FromSeconds(1);
            }

            var untilScan = nextScan - DateTime.UtcNow;
            var wait = untilScan < heartbeatEvery ? untilScan : heartbeatEvery;
            try
            {
                await wake.WaitAsync(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await router.Registry.DeregisterAsync(new DeregisterSidecarRequest { SidecarId = options.SidecarId }, deadline: DateTime.UtcNow.AddSeconds(3));
            logger.LogInformation("Deregistered {SidecarId}", options.SidecarId);
        }
        catch (RpcException e)
        {
            logger.LogWarning("Could not deregister ({Status}); the router's lease removes this sidecar", e.StatusCode);
        }
    }

    private RegisterSidecarRequest Request()
    {
        var request = new RegisterSidecarRequest { SidecarId = options.SidecarId, Pod = options.Pod, Address = options.AdvertiseAddress };
        request.Services.AddRange(services.Current);
        return request;
    }

    private static DateTime Deadline() => DateTime.UtcNow.AddSeconds(5);

    private static string Describe(IReadOnlyList<DiscoveredService> found) =>
        found.Count == 0 ? "no services" : string.Join(", ", found.Select(s => $"{s.Kind} {s.Name} at {s.Endpoint}"));
}
