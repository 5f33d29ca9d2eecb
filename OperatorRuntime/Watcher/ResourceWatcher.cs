using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.OperatorRuntime.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.OperatorRuntime.Watcher;

/// <summary>
/// List-then-watch for one kind, as client-go's reflector does: list to fill the cache, watch from the
/// list's resourceVersion, resume from the last seen version when the watch ends, re-list when the server
/// answers 410 Gone (the version was compacted away), and reconnect with backoff when the connection drops.
/// Subscribers hear every change, including the deletions a re-list reveals, so no event is lost.
/// </summary>
internal sealed class ResourceWatcher<T> : IResourceWatcher
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly EntityClient _client;
    private readonly OperatorSettings _settings;
    private readonly OperatorMetrics _metrics;
    private readonly ILogger _logger;
    private readonly string _kind = EntityMetadata.For<T>().Kind;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ResourceWatcher(EntityClient client, EntityCache<T> cache, OperatorSettings settings, OperatorMetrics metrics, ILogger<ResourceWatcher<T>> logger)
    {
        _client = client;
        Cache = cache;
        _settings = settings;
        _metrics = metrics;
        _logger = logger;
    }

    public EntityCache<T> Cache { get; }

    public Task Synced => _synced.Task;

    /// <summary>Raised for every change, on the watcher's own task; handlers must be quick (enqueue, no I/O).</summary>
    public event Action<EntityChange<T>>? Changed;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                resourceVersion ??= await ListAsync(cancellationToken).ConfigureAwait(false);
                await foreach (var (type, entity) in _client.WatchAsync<T>(resourceVersion, _settings.WatchTimeout, cancellationToken).ConfigureAwait(false))
                {
                    resourceVersion = entity.Metadata?.ResourceVersion ?? resourceVersion;
                    failures = 0;
                    Apply(type, entity);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (KubernetesErrors.IsGone(e))
            {
                _logger.LogInformation("Watch of {Kind} expired at resourceVersion {Version} (410 Gone); listing again", _kind, resourceVersion);
                _metrics.WatchRestarted(_kind, "gone");
                resourceVersion = null;
            }
            catch (Exception e)
            {
                failures++;
                var delay = Backoff(failures);
                _logger.LogWarning(e, "Watch of {Kind} failed ({Failures} in a row); reconnecting in {Delay}", _kind, failures, delay);
                _metrics.WatchRestarted(_kind, "error");
                try
                {
                    await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var list = await _client.ListAsync<T>(cancellationToken: cancellationToken).ConfigureAwait(false);
        var seen = new HashSet<EntityKey>();
        foreach (var item in list.Items)
        {
            seen.Add(EntityKey.Of(item));
            var old = Cache.Upsert(item);
            if (old is null || old.Metadata.ResourceVersion != item.Metadata.ResourceVersion)
                Changed?.Invoke(new EntityChange<T>(old, item));
        }

        // What vanished while we were not watching is reported as deleted.
        foreach (var key in Cache.Keys.Where(k => !seen.Contains(k)))
        {
            var old = Cache.Remove(key);
            if (old is not null)
                Changed?.Invoke(new EntityChange<T>(old, default));
        }

        _synced.TrySetResult();
        _logger.LogDebug("Listed {Count} {Kind} at resourceVersion {Version}", list.Items.Count, _kind, list.Metadata.ResourceVersion);
        return list.Metadata.ResourceVersion ?? string.Empty;
    }

    private void Apply(WatchEventType type, T entity)
    {
        switch (type)
        {
            case WatchEventType.Added:
            case WatchEventType.Modified:
                Changed?.Invoke(new EntityChange<T>(Cache.Upsert(entity), entity));
                break;
            case WatchEventType.Deleted:
                Changed?.Invoke(new EntityChange<T>(Cache.Remove(EntityKey.Of(entity)) ?? entity, default));
                break;
            case WatchEventType.Bookmark:
            case WatchEventType.Error:
                break;
        }
    }

    private TimeSpan Backoff(int failures)
    {
        var exponential = _settings.WatchBackoffBase.TotalMilliseconds * Math.Pow(2, Math.Min(failures - 1, 10));
        var capped = Math.Min(exponential, _settings.WatchBackoffMax.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.8 + Random.Shared.NextDouble() * 0.4));
    }
}
