using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>What the work queue and caches key an object by: its namespace and name.</summary>
public readonly record struct EntityKey(string? Namespace, string Name)
{
    public static EntityKey Of(IKubernetesObject<V1ObjectMeta> entity) =>
        new(entity.Metadata.NamespaceProperty, entity.Metadata.Name);

    public override string ToString() => Namespace is null ? Name : $"{Namespace}/{Name}";
}
