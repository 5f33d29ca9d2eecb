using System.ComponentModel;
using System.Reflection;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions.Entities;

/// <summary>Everything the attributes of an entity class say about its resource: group, kind, names, scope.</summary>
public sealed record EntityMetadata(
    Type Type,
    string Group,
    string Version,
    string Kind,
    string Plural,
    EntityScope Scope,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories,
    string? Description)
{
    public string ApiVersion => string.IsNullOrEmpty(Group) ? Version : $"{Group}/{Version}";

    public string Singular => Kind.ToLowerInvariant();

    public string CrdName => $"{Plural}.{Group}";

    public static EntityMetadata For<T>() => For(typeof(T));

    public static EntityMetadata For(Type type)
    {
        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{type.Name} has no [KubernetesEntity] attribute", nameof(type));
        return new EntityMetadata(
            type,
            entity.Group,
            entity.ApiVersion,
            entity.Kind,
            entity.PluralName,
            type.GetCustomAttribute<EntityScopeAttribute>()?.Scope ?? EntityScope.Namespaced,
            type.GetCustomAttribute<KubernetesEntityShortNamesAttribute>()?.ShortNames ?? [],
            type.GetCustomAttribute<KubernetesEntityCategoriesAttribute>()?.Categories ?? [],
            type.GetCustomAttribute<DescriptionAttribute>()?.Description);
    }
}
