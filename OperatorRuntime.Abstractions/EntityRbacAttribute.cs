namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// Grants the operator verbs on entity kinds; <c>make generate</c> turns every such attribute in the
/// operator assembly into config/rbac/role.yaml (KubeOps' name).
/// </summary>
/// <example><code>[EntityRbac(typeof(EtlPipeline), Verbs = RbacVerb.Get | RbacVerb.List | RbacVerb.Watch)]</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class EntityRbacAttribute(params Type[] entities) : Attribute
{
    public IReadOnlyList<Type> Entities { get; } = entities;

    public RbacVerb Verbs { get; init; }
}
