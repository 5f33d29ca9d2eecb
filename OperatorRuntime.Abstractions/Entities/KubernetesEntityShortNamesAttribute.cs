namespace EtlRouter.OperatorRuntime.Abstractions.Entities;

/// <summary>Short names for <c>kubectl get</c> (KubeOps' name).</summary>
/// <example><code>[KubernetesEntityShortNames("etlp")]</code></example>
[AttributeUsage(AttributeTargets.Class)]
public sealed class KubernetesEntityShortNamesAttribute(params string[] shortNames) : Attribute
{
    public IReadOnlyList<string> ShortNames { get; } = shortNames;
}
