using System.Collections.Concurrent;
using EtlRouter.OperatorRuntime.Abstractions;
using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Watcher;

/// <summary>The cache one <see cref="ResourceWatcher{T}"/> fills; controllers read it as <see cref="IEntityCache{T}"/>.</summary>
internal sealed class EntityCache<T> : IEntityCache<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    private readonly ConcurrentDictionary<EntityKey, T> _items = new();

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
