namespace EtlRouter.OperatorRuntime.Abstractions.Entities;

/// <summary>Categories a resource belongs to, so <c>kubectl get etl</c> lists every kind of ours.</summary>
/// <example><code>[KubernetesEntityCategories("etl")]</code></example>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KubernetesEntityCategoriesAttribute(params string[] categories) : Attribute
{
    public IReadOnlyList<string> Categories { get; } = categories;
}
