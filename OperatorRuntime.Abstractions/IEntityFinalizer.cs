using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// Cleans up outside Kubernetes before an entity may go. The runtime adds the finalizer's identifier to
/// every entity of the kind, calls <see cref="FinalizeAsync"/> once deletion is asked for, and removes the
/// identifier (letting the API server delete the object) only when it returns success.
/// </summary>
/// <example><code>
/// public sealed class DrainFinalizer : IEntityFinalizer&lt;EtlPipeline&gt;
/// {
///     public string Identifier =&gt; "etl.router/router-cleanup";
///     public async Task&lt;ReconciliationResult&lt;EtlPipeline&gt;&gt; FinalizeAsync(EtlPipeline p, CancellationToken ct)
///     {
///         await router.DeletePipelineAsync(p, ct);
///         return ReconciliationResult&lt;EtlPipeline&gt;.Success(p);
///     }
/// }
/// builder.Services.AddKubernetesOperator().AddFinalizer&lt;DrainFinalizer, EtlPipeline&gt;();
/// </code></example>
public interface IEntityFinalizer<TEntity>
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    /// <summary>The string written into metadata.finalizers; domain-qualified, e.g. etl.router/router-cleanup.</summary>
    string Identifier { get; }

    Task<ReconciliationResult<TEntity>> FinalizeAsync(TEntity entity, CancellationToken cancellationToken);
}
