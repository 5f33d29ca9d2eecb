using System.Runtime.CompilerServices;
using System.Text.Json;
using EtlRouter.OperatorRuntime.Abstractions;
using k8s;
using k8s.Models;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.OperatorRuntime.Client;

/// <summary>
/// Typed access to custom resources through the Kubernetes client's custom-objects API: list, watch, get,
/// create, patch, delete and the status subresource. What KubeOps calls <c>IKubernetesClient</c>.
/// </summary>
internal sealed class EntityClient(IKubernetes kubernetes)
{
    public IKubernetes Kubernetes { get; } = kubernetes;

    public async Task<EntityList<T>> ListAsync<T>(string? @namespace = null, string? labelSelector = null, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        return @namespace is null
            ? await Kubernetes.CustomObjects.ListClusterCustomObjectAsync<EntityList<T>>(meta.Group, meta.Version, meta.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false)
            : await Kubernetes.CustomObjects.ListNamespacedCustomObjectAsync<EntityList<T>>(meta.Group, meta.Version, @namespace, meta.Plural, labelSelector: labelSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Watches every object of the kind from a resourceVersion. Errors the server sends inside the stream
    /// (410 Gone above all) are thrown as <see cref="KubernetesException"/> once the stream ends.
    /// </summary>
    public async IAsyncEnumerable<(WatchEventType Type, T Entity)> WatchAsync<T>(
        string resourceVersion,
        TimeSpan timeout,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        Exception? streamError = null;
        var events = Kubernetes.CustomObjects.WatchListClusterCustomObjectAsync(
            meta.Group,
            meta.Version,
            meta.Plural,
            allowWatchBookmarks: true,
            resourceVersion: resourceVersion,
            timeoutSeconds: (int)timeout.TotalSeconds,
            onError: e => streamError ??= e,
            cancellationToken: cancellationToken);

        await foreach (var (type, item) in events.ConfigureAwait(false))
        {
            if (streamError is not null)
                break;
            var json = item is JsonElement element ? element.GetRawText() : KubernetesJson.Serialize(item);
            yield return (type, KubernetesJson.Deserialize<T>(json));
        }

        if (streamError is not null)
            throw streamError;
    }

    public async Task<T?> GetAsync<T>(string? @namespace, string name, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        try
        {
            return @namespace is null
                ? await Kubernetes.CustomObjects.GetClusterCustomObjectAsync<T>(meta.Group, meta.Version, meta.Plural, name, cancellationToken).ConfigureAwait(false)
                : await Kubernetes.CustomObjects.GetNamespacedCustomObjectAsync<T>(meta.Group, meta.Version, @namespace, meta.Plural, name, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            return default;
        }
    }

    public Task<T> CreateAsync<T>(T entity, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        return Kubernetes.CustomObjects.CreateNamespacedCustomObjectAsync<T>(entity, meta.Group, meta.Version, entity.Metadata.NamespaceProperty, meta.Plural, cancellationToken: cancellationToken);
    }

    public Task<T> ReplaceAsync<T>(T entity, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        return Kubernetes.CustomObjects.ReplaceNamespacedCustomObjectAsync<T>(entity, meta.Group, meta.Version, entity.Metadata.NamespaceProperty, meta.Plural, entity.Metadata.Name, cancellationToken: cancellationToken);
    }

    /// <summary>Replaces the status subresource; the API server ignores everything else in the body.</summary>
    public Task<T> ReplaceStatusAsync<T>(T entity, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        return Kubernetes.CustomObjects.ReplaceNamespacedCustomObjectStatusAsync<T>(entity, meta.Group, meta.Version, entity.Metadata.NamespaceProperty, meta.Plural, entity.Metadata.Name, cancellationToken: cancellationToken);
    }

    public Task<T> PatchAsync<T>(string @namespace, string name, V1Patch patch, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        return Kubernetes.CustomObjects.PatchNamespacedCustomObjectAsync<T>(patch, meta.Group, meta.Version, @namespace, meta.Plural, name, cancellationToken: cancellationToken);
    }

    public async Task DeleteAsync<T>(string @namespace, string name, CancellationToken cancellationToken = default)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var meta = EntityMetadata.For<T>();
        try
        {
            await Kubernetes.CustomObjects.DeleteNamespacedCustomObjectAsync(meta.Group, meta.Version, @namespace, meta.Plural, name, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (KubernetesErrors.IsNotFound(e))
        {
            // Already gone: deleting is idempotent.
        }
    }
}
