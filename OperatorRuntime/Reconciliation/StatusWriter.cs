using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.OperatorRuntime.Metrics;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using EtlRouter.OperatorRuntime.Abstractions.Entities;

namespace EtlRouter.OperatorRuntime.Reconciliation;

/// <summary>
/// Writes status through the status subresource. On 409 (someone changed the object since we read it) it
/// reads the latest object, puts our status on it and tries again: status is ours alone, so ours wins.
/// </summary>
internal sealed class StatusWriter(EntityClient client, OperatorSettings settings, OperatorMetrics metrics, ILogger<StatusWriter> logger)
{
    /// <summary>Writes the status; returns the stored object, or null when the object is gone.</summary>
    public async Task<T?> WriteAsync<T>(T entity, CancellationToken cancellationToken)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var kind = EntityMetadata.For<T>().Kind;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await client.ReplaceStatusAsync(entity, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (KubernetesErrors.IsConflict(e) && attempt <= settings.StatusConflictRetries)
            {
                metrics.StatusConflict(kind);
                logger.LogDebug("Status of {Kind} {Name} conflicted (attempt {Attempt}); retrying on the latest version", kind, entity.Metadata.Name, attempt);
                var latest = await client.GetAsync<T>(entity.Metadata.NamespaceProperty, entity.Metadata.Name, cancellationToken).ConfigureAwait(false);
                if (latest is null)
                    return default;
                entity = EntityJsonCopy.WithStatusOf(latest, entity);
            }
            catch (Exception e) when (KubernetesErrors.IsNotFound(e))
            {
                return default;
            }
        }
    }
}
