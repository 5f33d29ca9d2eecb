using EtlRouter.Operator.Runtime.Client;
using k8s;
using k8s.Models;

namespace EtlRouter.Operator.Runtime.Reconciliation;

/// <summary>
/// Enqueues owners when a related kind changes (controller-runtime's Watches + EnqueueRequestsFromMapFunc):
/// a pipeline reconciles again the moment the source it waits for appears.
/// </summary>
internal interface IRelatedWatch<TOwner>
    where TOwner : IKubernetesObject<V1ObjectMeta>
{
    IDisposable Subscribe(Action<EntityKey> enqueue);
}
