using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Metrics;
using EtlRouter.OperatorRuntime.Reconciliation;
using EtlRouter.OperatorRuntime.Watcher;
using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.OperatorRuntime.LeaderElection;

/// <summary>
/// Runs the watchers and controllers only while this replica holds the Lease, so two replicas never both
/// reconcile. Losing the Lease stops them at once; the replica then campaigns again. On shutdown the
/// controllers stop first and the Lease is handed back, so a standby takes over without waiting it out.
/// </summary>
[GenericRbac(Groups = ["coordination.k8s.io"], Resources = ["leases"], Verbs = RbacVerb.Get | RbacVerb.Create | RbacVerb.Update)]
internal sealed class OperatorRuntimeService(
    IKubernetes kubernetes,
    IEnumerable<IResourceWatcher> watchers,
    IEnumerable<IControllerRunner> controllers,
    OperatorSettings settings,
    OperatorMetrics metrics,
    ILogger<OperatorRuntimeService> logger) : BackgroundService
{
    private readonly object _lock = new();
    private CancellationTokenSource? _term;
    private Task _running = Task.CompletedTask;

    /// <summary>True while this replica runs its controllers.</summary>
    public bool IsLeading { get; private set; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!settings.LeaderElection)
        {
            StartTerm(stoppingToken);
            await WaitForAsync(_running).ConfigureAwait(false);
            return;
        }

        var leaseLock = new LeaseLock(kubernetes, settings.Namespace, settings.LeaseName, settings.Identity);
        var config = new LeaderElectionConfig(new OutageTolerantLock(leaseLock))
        {
            LeaseDuration = settings.LeaseDuration,
            RenewDeadline = settings.RenewDeadline,
            RetryPeriod = settings.RetryPeriod,
        };

        while (!stoppingToken.IsCancellationRequested)
        {
            using var elector = new LeaderElector(config);
            elector.OnStartedLeading += () => StartTerm(stoppingToken);
            elector.OnStoppedLeading += StopTerm;
            elector.OnNewLeader += leader => logger.LogInformation("Leader is now {Leader}", leader);
            try
            {
                await elector.RunUntilLeadershipLostAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Leader election failed; campaigning again");
            }
            finally
            {
                StopTerm();
                await WaitForAsync(_running).ConfigureAwait(false);
            }

            await Task.Delay(settings.RetryPeriod, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }

        await ReleaseLeaseAsync(leaseLock).ConfigureAwait(false);
    }

    private void StartTerm(CancellationToken stoppingToken)
    {
        lock (_lock)
        {
            if (_term is not null)
                return;
            _term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var token = _term.Token;
            IsLeading = true;
            metrics.SetLeader(true);
            logger.LogInformation("{Identity} leads; starting {Watchers} watchers and {Controllers} controllers", settings.Identity, watchers.Count(), controllers.Count());

            // Controllers subscribe to their watchers synchronously on start, so they must start first:
            // otherwise the watchers' initial list could be heard by no one.
            var controllerTasks = controllers.Select(c => c.RunAsync(token)).ToList();
            var watcherTasks = watchers.Select(w => Task.Run(() => w.RunAsync(token), CancellationToken.None)).ToList();
            _running = Task.WhenAll(controllerTasks.Concat(watcherTasks));
        }
    }

    private void StopTerm()
    {
        lock (_lock)
        {
            if (_term is null)
                return;
            logger.LogInformation("{Identity} no longer leads; stopping controllers", settings.Identity);
            _term.Cancel();
            _term.Dispose();
            _term = null;
            IsLeading = false;
            metrics.SetLeader(false);
        }
    }

    private async Task WaitForAsync(Task task)
    {
        try
        {
            await task.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException)
        {
            // Stopping is the expected end of a term.
        }
        catch (Exception e)
        {
            logger.LogError(e, "A controller stopped with an error");
        }
    }

    // Hand the Lease back (holder cleared, duration 1s) so a standby takes over at its next retry.
    private async Task ReleaseLeaseAsync(LeaseLock leaseLock)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var record = await leaseLock.GetAsync(timeout.Token).ConfigureAwait(false);
            if (record.HolderIdentity != settings.Identity)
                return;
            record.HolderIdentity = string.Empty;
            record.LeaseDurationSeconds = 1;
            record.RenewTime = DateTime.UtcNow;
            await leaseLock.UpdateAsync(record, timeout.Token).ConfigureAwait(false);
            logger.LogInformation("Released the Lease {Lease}", settings.LeaseName);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Could not release the Lease {Lease}", settings.LeaseName);
        }
    }
}
