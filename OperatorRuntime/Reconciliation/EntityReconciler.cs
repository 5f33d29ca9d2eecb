using System.Text.Json;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.OperatorRuntime.Metrics;
using EtlRouter.OperatorRuntime.Tracing;
using EtlRouter.OperatorRuntime.Queue;
using EtlRouter.OperatorRuntime.Watcher;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.OperatorRuntime.Reconciliation;

/// <summary>
/// Runs one controller: turns watch events into queue keys (skipping status-only updates), and workers
/// that take a key, read the latest object from the cache, run finalizers or the controller, write the
/// status when it changed, and requeue as the result says. Level-triggered: the event only says which
/// key to look at, never what to do.
/// </summary>
internal sealed class EntityReconciler<TEntity, TController> : IControllerRunner
    where TEntity : IKubernetesObject<V1ObjectMeta>
    where TController : IEntityController<TEntity>
{
    private readonly IServiceProvider _services;
    private readonly ResourceWatcher<TEntity> _watcher;
    private readonly EntityClient _client;
    private readonly StatusWriter _statusWriter;
    private readonly IReadOnlyList<FinalizerRegistration<TEntity>> _finalizers;
    private readonly IEnumerable<IRelatedWatch<TEntity>> _relatedWatches;
    private readonly IEnumerable<IResourceWatcher> _allWatchers;
    private readonly OperatorSettings _settings;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _kind = EntityMetadata.For<TEntity>().Kind;

    public EntityReconciler(
        IServiceProvider services,
        ResourceWatcher<TEntity> watcher,
        EntityClient client,
        StatusWriter statusWriter,
        IEnumerable<FinalizerRegistration<TEntity>> finalizers,
        IEnumerable<IRelatedWatch<TEntity>> relatedWatches,
        IEnumerable<IResourceWatcher> allWatchers,
        OperatorSettings settings,
        OperatorMetrics metrics,
        ILogger<EntityReconciler<TEntity, TController>> logger)
    {
        _services = services;
        _watcher = watcher;
        _client = client;
        _statusWriter = statusWriter;
        _finalizers = finalizers.ToList();
        _relatedWatches = relatedWatches;
        _allWatchers = allWatchers;
        _settings = settings;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A fresh queue per leadership term: nothing from a lost term carries over.
        var queue = new WorkQueue<EntityKey>(_settings.BackoffBase, _settings.BackoffMax);
        void OnChange(EntityChange<TEntity> change) => Enqueue(queue, change);
        _watcher.Changed += OnChange;
        var unsubscribers = _relatedWatches.Select(w => w.Subscribe(queue.Add)).ToList();
        try
        {
            // As controller-runtime's WaitForCacheSync: no reconcile (above all no finalizer) acts on a cache that
            // has not listed yet, where "not found" would mean "not known yet". Changes meanwhile wait in the queue.
            await Task.WhenAll(_allWatchers.Select(w => w.Synced)).WaitAsync(cancellationToken).ConfigureAwait(false);
            var workers = Enumerable.Range(0, Math.Max(1, _settings.WorkersPerController))
                .Select(_ => Task.Run(() => WorkAsync(queue, cancellationToken), CancellationToken.None));
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        finally
        {
            _watcher.Changed -= OnChange;
            unsubscribers.ForEach(u => u.Dispose());
            queue.ShutDown();
        }
    }

    private void Enqueue(WorkQueue<EntityKey> queue, EntityChange<TEntity> change)
    {
        if (change is { Old: not null, New: not null } && !Matters(change.Old, change.New))
            return;
        queue.Add(EntityKey.Of(change.Latest));
    }

    // Status-only updates leave the generation alone; they are ours and need no reconcile.
    private static bool Matters(TEntity old, TEntity @new) =>
        old.Metadata.Generation != @new.Metadata.Generation
        || old.Metadata.DeletionTimestamp != @new.Metadata.DeletionTimestamp
        || !(old.Metadata.Finalizers ?? []).SequenceEqual(@new.Metadata.Finalizers ?? []);

    private async Task WorkAsync(WorkQueue<EntityKey> queue, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            EntityKey key;
            try
            {
                key = await queue.TakeAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await ProcessAsync(queue, key, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                var delay = queue.AddRateLimited(key);
                _logger.LogError(e, "Reconciling {Kind} {Key} threw; retrying in {Delay}", _kind, key, delay);
            }
            finally
            {
                queue.Done(key);
            }
        }
    }

    private async Task ProcessAsync(WorkQueue<EntityKey> queue, EntityKey key, CancellationToken cancellationToken)
    {
        var cached = _watcher.Cache.Get(key);
        if (cached is null)
        {
            // Gone from the server: its finalizers already ran, so there is nothing left to do for it.
            queue.Forget(key);
            return;
        }

        var entity = EntityJsonCopy.Clone(cached);
        var stopwatch = OperatorMetrics.Start();
        var finalizing = entity.Metadata.DeletionTimestamp is not null;
        using var span = OperatorTracing.Source.StartActivity(finalizing ? $"finalize {_kind}" : $"reconcile {_kind}");
        span?.SetTag("k8s.namespace.name", entity.Metadata.NamespaceProperty);
        span?.SetTag("etl.object", entity.Metadata.Name);
        span?.SetTag("etl.generation", entity.Metadata.Generation);
        await using (var scope = _services.CreateAsyncScope())
        {
            var result = finalizing
                ? await FinalizeAsync(scope.ServiceProvider, entity, cancellationToken).ConfigureAwait(false)
                : await ReconcileAsync(scope.ServiceProvider, entity, cancellationToken).ConfigureAwait(false);
            _metrics.Reconciled(_kind, result.IsSuccess, stopwatch.Elapsed);
            if (!result.IsSuccess) span?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result.ErrorMessage);

            if (result.IsSuccess)
            {
                queue.Forget(key);
                if (result.RequeueAfter is { } after)
                    queue.AddAfter(key, after);
            }
            else if (result.RequeueAfter is { } after)
            {
                // Without an exception it is "not finished yet" (a finalizer waiting for a drain), not a fault.
                if (result.Error is null)
                    _logger.LogInformation("{Kind} {Key} not finished: {Message}; again in {Delay}", _kind, key, result.ErrorMessage, after);
                else
                    _logger.LogWarning(result.Error, "Reconciling {Kind} {Key} failed: {Message}; retrying in {Delay}", _kind, key, result.ErrorMessage, after);
                queue.AddAfter(key, after);
            }
            else
            {
                var delay = queue.AddRateLimited(key);
                _logger.LogWarning(result.Error, "Reconciling {Kind} {Key} failed: {Message}; retrying in {Delay}", _kind, key, result.ErrorMessage, delay);
            }
        }
    }

    private async Task<ReconciliationResult<TEntity>> ReconcileAsync(IServiceProvider services, TEntity entity, CancellationToken cancellationToken)
    {
        var missing = _finalizers.Where(f => !(entity.Metadata.Finalizers ?? []).Contains(f.Identifier)).Select(f => f.Identifier).ToList();
        if (missing.Count > 0)
        {
            var updated = await PatchFinalizersAsync(entity, [.. entity.Metadata.Finalizers ?? [], .. missing], cancellationToken).ConfigureAwait(false);
            if (updated is null)
                return ReconciliationResult<TEntity>.Success(entity);
            entity = updated;
        }

        var statusBefore = EntityJsonCopy.StatusOf(entity);
        ReconciliationResult<TEntity> result;
        try
        {
            result = await services.GetRequiredService<TController>().ReconcileAsync(entity, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            result = ReconciliationResult<TEntity>.Failure(entity, e.Message, e);
        }

        if (EntityJsonCopy.StatusOf(result.Entity) != statusBefore)
            await _statusWriter.WriteAsync(result.Entity, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<ReconciliationResult<TEntity>> FinalizeAsync(IServiceProvider services, TEntity entity, CancellationToken cancellationToken)
    {
        foreach (var registration in _finalizers)
        {
            if (!(entity.Metadata.Finalizers ?? []).Contains(registration.Identifier))
                continue;

            var finalizer = (IEntityFinalizer<TEntity>)services.GetRequiredService(registration.FinalizerType);
            var result = await finalizer.FinalizeAsync(entity, cancellationToken).ConfigureAwait(false);
            if (!result.IsSuccess)
                return result;

            var remaining = (entity.Metadata.Finalizers ?? []).Where(f => f != registration.Identifier).ToList();
            var updated = await PatchFinalizersAsync(entity, remaining, cancellationToken).ConfigureAwait(false);
            if (updated is null)
                break;
            entity = updated;
            _logger.LogInformation("Finalizer {Finalizer} done for {Kind} {Name}", registration.Identifier, _kind, entity.Metadata.Name);
        }

        return ReconciliationResult<TEntity>.Success(entity);
    }

    // A merge patch carrying the resourceVersion we read: the server refuses it (409) if the object moved on.
    private async Task<TEntity?> PatchFinalizersAsync(TEntity entity, IReadOnlyList<string> finalizers, CancellationToken cancellationToken)
    {
        var patch = JsonSerializer.Serialize(new
        {
            metadata = new { finalizers, resourceVersion = entity.Metadata.ResourceVersion },
        });
        try
        {
            return await _client.PatchAsync<TEntity>(entity.Metadata.NamespaceProperty, entity.Metadata.Name, new V1Patch(patch, V1Patch.PatchType.MergePatch), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            return default;
        }
    }
}
