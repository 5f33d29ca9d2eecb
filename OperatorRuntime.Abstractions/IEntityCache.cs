using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// The latest copy of every watched object of one kind (controller-runtime's informer cache), kept by the
/// runtime for each kind a controller reconciles or watches. Read it instead of the API server; never change
/// what it returns. Ask for it by constructor injection. Reconciles start only once every cache has listed, so
/// an object it lacks is one the server did not hold at the last change the watch delivered.
/// </summary>
public interface IEntityCache<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    T? Get(EntityKey key);

    /// <summary>Every cached object, or those of one namespace.</summary>
    IReadOnlyList<T> List(string? @namespace = null);
}
