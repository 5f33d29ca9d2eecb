namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>Grants verbs on resources named by group and plural, for kinds with no entity class.</summary>
/// <example><code>[GenericRbac(Groups = ["coordination.k8s.io"], Resources = ["leases"], Verbs = RbacVerb.All)]</code></example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class GenericRbacAttribute : Attribute
{
    public string[] Groups { get; init; } = [];

    public string[] Resources { get; init; } = [];

    public RbacVerb Verbs { get; init; }
}
