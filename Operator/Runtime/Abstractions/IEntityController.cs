using k8s;
using k8s.Models;

namespace EtlRouter.Operator.Runtime.Abstractions;

/// <summary>
/// Reconciles one kind of resource, KubeOps-style. The runtime calls <see cref="ReconcileAsync"/> with the
/// latest object whenever it (or something it watches) changes, and <see cref="DeletedAsync"/> once it is
/// gone. Change <c>entity.Status</c> and return it: the runtime writes the status subresource (retrying on
/// conflicts) and decides about requeues and backoff. Never write the spec.
/// </summary>
/// <example><code>
/// public sealed class DemoController : IEntityController&lt;EtlSource&gt;
/// {
///     public Task&lt;ReconciliationResult&lt;EtlSource&gt;&gt; ReconcileAsync(EtlSource entity, CancellationToken ct)
///     {
///         entity.Status.SidecarCount = 0;
///         return Task.FromResult(ReconciliationResult&lt;EtlSource&gt;.Success(entity, TimeSpan.FromSeconds(30)));
///     }
///
///     public Task DeletedAsync(EtlSource entity, CancellationToken ct) => Task.CompletedTask;
/// }
/// // in Program.cs:
/// builder.Services.AddKubernetesOperator().AddController&lt;DemoController, EtlSource&gt;();
/// </code></example>
public interface IEntityController<TEntity>
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    /// <summary>Moves the world one step toward the entity's spec. Safe to run twice.</summary>
    Task<ReconciliationResult<TEntity>> ReconcileAsync(TEntity entity, CancellationToken cancellationToken);

    /// <summary>Called after the entity left the API server (after its finalizers ran).</summary>
    Task DeletedAsync(TEntity entity, CancellationToken cancellationToken) => Task.CompletedTask;
}
