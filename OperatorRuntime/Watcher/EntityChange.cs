using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Watcher;

/// <summary>One change the watcher saw: the object before (null when it is new) and after (null when deleted).</summary>
internal sealed record EntityChange<T>(T? Old, T? New)
    where T : IKubernetesObject<V1ObjectMeta>
{
    public T Latest => (New ?? Old)!;
}
