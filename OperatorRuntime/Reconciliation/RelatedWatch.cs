using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.OperatorRuntime.Watcher;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;

namespace EtlRouter.OperatorRuntime.Reconciliation;

/// <summary>Listens to the watcher of a related kind and enqueues the owners its mapper names.</summary>
internal sealed class RelatedWatch<TRelated, TOwner, TMapper>(ResourceWatcher<TRelated> watcher, IServiceProvider services) : IRelatedWatch<TOwner>
    where TRelated : IKubernetesObject<V1ObjectMeta>
    where TOwner : IKubernetesObject<V1ObjectMeta>
    where TMapper : IEntityMapper<TRelated, TOwner>
{
    public IDisposable Subscribe(Action<EntityKey> enqueue)
    {
        void OnChange(EntityChange<TRelated> change)
        {
            var mapper = services.GetRequiredService<TMapper>();
            foreach (var key in mapper.Map(change.Latest))
                enqueue(key);
        }

        watcher.Changed += OnChange;
        return new Unsubscriber(() => watcher.Changed -= OnChange);
    }

    private sealed class Unsubscriber(Action dispose) : IDisposable
    {
        public void Dispose() => dispose();
    }
}
