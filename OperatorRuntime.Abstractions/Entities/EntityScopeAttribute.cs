namespace EtlRouter.OperatorRuntime.Abstractions.Entities;

/// <summary>Whether a custom resource lives in a namespace or in the whole cluster (KubeOps' name).</summary>
/// <example><code>[EntityScope(EntityScope.Namespaced)] public sealed class EtlPipeline ...</code></example>
[AttributeUsage(AttributeTargets.Class)]
public sealed class EntityScopeAttribute(EntityScope scope) : Attribute
{
    public EntityScope Scope { get; } = scope;
}

public enum EntityScope
{
    Namespaced,
    Cluster,
}
