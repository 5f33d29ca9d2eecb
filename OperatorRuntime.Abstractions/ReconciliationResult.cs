using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// What a reconcile did, as a value (KubeOps' name). Success may ask to run again after a while (to poll
/// something outside Kubernetes); failure makes the runtime retry with per-key exponential backoff, or after
/// <c>requeueAfter</c> when given. A failure with <c>requeueAfter</c> and no exception means "not finished yet"
/// (a finalizer waiting for a drain): it is logged as progress, not as a fault.
/// </summary>
/// <example><code>
/// return ReconciliationResult&lt;EtlPipeline&gt;.Success(entity, requeueAfter: TimeSpan.FromSeconds(10));
/// return ReconciliationResult&lt;EtlPipeline&gt;.Failure(entity, "router unavailable", exception);
/// </code></example>
public sealed record ReconciliationResult<TEntity>(
    TEntity Entity,
    bool IsSuccess,
    string? ErrorMessage,
    Exception? Error,
    TimeSpan? RequeueAfter)
    where TEntity : IKubernetesObject<V1ObjectMeta>
{
    public static ReconciliationResult<TEntity> Success(TEntity entity, TimeSpan? requeueAfter = null) =>
        new(entity, true, null, null, requeueAfter);

    public static ReconciliationResult<TEntity> Failure(TEntity entity, string message, Exception? error = null, TimeSpan? requeueAfter = null) =>
        new(entity, false, message, error, requeueAfter);
}
