using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// The latest copy of every watched object of one kind (controller-runtime's informer cache), kept by the
/// runtime for each kind a controller reconciles or watches. Read it instead of the API server; never change
/// what it returns. Ask for it by constructor injection.
/// </summary>
public interface IEntityCache<T>
    where T : IKubernetesObject<V1ObjectMeta>
{
    /// <summary>True once the first list has filled the cache.</summary>
    bool HasSynced { get; }

    T? Get(EntityKey key);

    /// <summary>Every cached object, or those of one namespace.</summary>
    IReadOnlyList<T> List(string? @namespace = null);
}
