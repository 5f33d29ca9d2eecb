using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Reconciliation;

/// <summary>
/// Enqueues owners when a related kind changes (controller-runtime's Watches + EnqueueRequestsFromMapFunc):
/// a pipeline reconciles again the moment the source it waits for appears.
/// </summary>
internal interface IRelatedWatch<TOwner>
    where TOwner : IKubernetesObject<V1ObjectMeta>
{
    IDisposable Subscribe(Action<EntityKey> enqueue);
}
