using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>
/// Writes Kubernetes Events about an entity, which users read in <c>kubectl describe</c>. Repeats of the
/// same reason and message are counted on one Event rather than flooding the namespace.
/// </summary>
/// <example><code>
/// await events.PublishAsync(pipeline, "Applied", "pushed generation 3 to the router", EventType.Normal, ct);
/// </code></example>
public interface IEventPublisher
{
    Task PublishAsync(IKubernetesObject<V1ObjectMeta> entity, string reason, string message, EventType type = EventType.Normal, CancellationToken cancellationToken = default);
}

/// <summary>The two event types Kubernetes knows.</summary>
public enum EventType
{
    Normal,
    Warning,
}
