using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// Reconciles one kind of resource, KubeOps-style. The runtime calls <see cref="ReconcileAsync"/> with the
/// latest object whenever it (or something it watches) changes. Change <c>entity.Status</c> and return it: the
/// runtime writes the status subresource (retrying on conflicts) and decides about requeues and backoff. Never
/// write the spec. There is no "deleted" callback: a watch can miss a deletion (a restart, a 410), so cleanup
/// that must happen is an <see cref="IEntityFinalizer{TEntity}"/>, which the API server makes level-triggered.
/// </summary>
/// <example><code>
/// public sealed class DemoController : IEntityController&lt;EtlSource&gt;
/// {
///     public Task&lt;ReconciliationResult&lt;EtlSource&gt;&gt; ReconcileAsync(EtlSource entity, CancellationToken ct)
///     {
///         entity.Status.SidecarCount = 0;
///         return Task.FromResult(ReconciliationResult&lt;EtlSource&gt;.Success(entity, TimeSpan.FromSeconds(30)));
///     }
/// }
/// // in Program.cs:
/// builder.Services.AddKubernetesOperator().AddController&lt;DemoController, EtlSource&gt;();
/// </code></example>
public interface IEntityController<TEntity>
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Moves the world one step toward the entity's spec. Safe to run twice.</summary>
    Task<ReconciliationResult<TEntity>> ReconcileAsync(TEntity entity, CancellationToken cancellationToken);
}
