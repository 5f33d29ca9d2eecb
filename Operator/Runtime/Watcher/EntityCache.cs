using System.Collections.Concurrent;
using EtlRouter.Operator.Runtime.Client;
using k8s;
using k8s.Models;

namespace EtlRouter.Operator.Runtime.Watcher;

/// <summary>
/// The latest copy of every watched object of one kind, kept by its watcher (controller-runtime's
/// informer cache). Reconcilers read it instead of the API server; they must not change what they get.
/// </summary>
public sealed class EntityCache<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<EntityKey, T> _items = new();

    /// <summary>True once the first list has filled the cache.</summary>
    public bool HasSynced { get; internal set; }

    public T? Get(EntityKey key) => _items.TryGetValue(key, out var item) ? item : default;

    public IReadOnlyList<T> List(string? @namespace = null) =>
        _items.Values.Where(i => @namespace is null || i.Metadata.NamespaceProperty == @namespace).ToList();

    internal T? Upsert(T item)
    {
        T? previous = default;
        _items.AddOrUpdate(EntityKey.Of(item), item, (_, old) =>
        {
            previous = old;
            return item;
        });
        return previous;
    }

    internal T? Remove(EntityKey key) => _items.TryRemove(key, out var old) ? old : default;

    internal IReadOnlyCollection<EntityKey> Keys => _items.Keys.ToList();
}
