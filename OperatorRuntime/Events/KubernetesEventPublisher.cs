using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace EtlRouter.OperatorRuntime.Events;

/// <summary>
/// Writes core/v1 Events. The Event's name hashes the object, reason and message, so a repeat finds the
/// same Event and bumps its count and lastTimestamp (as the kubelet's recorder does). Events are
/// best-effort: a failure is logged, never thrown into a reconcile.
/// </summary>
internal sealed class KubernetesEventPublisher(IKubernetes kubernetes, OperatorSettings settings, ILogger<KubernetesEventPublisher> logger) : IEventPublisher
{
    private readonly ConcurrentDictionary<string, int> _counts = new();

    public async Task PublishAsync(IKubernetesObject<V1ObjectMeta> entity, string reason, string message, EventType type = EventType.Normal, CancellationToken cancellationToken = default)
    {
        var @namespace = entity.Metadata.NamespaceProperty ?? "default";
        var name = EventName(entity, reason, message);
        var now = DateTime.UtcNow;
        try
        {
            if (_counts.TryGetValue(name, out var count))
            {
                await BumpAsync(name, @namespace, count + 1, now, cancellationToken).ConfigureAwait(false);
                _counts[name] = count + 1;
                return;
            }

            await kubernetes.CoreV1.CreateNamespacedEventAsync(
                new Corev1Event
                {
                    Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
                    InvolvedObject = new V1ObjectReference
                    {
                        ApiVersion = entity.ApiVersion,
                        Kind = entity.Kind,
                        Name = entity.Metadata.Name,
                        NamespaceProperty = entity.Metadata.NamespaceProperty,
                        Uid = entity.Metadata.Uid,
                        ResourceVersion = entity.Metadata.ResourceVersion,
                    },
                    Reason = reason,
                    Message = message,
                    Type = type.ToString(),
                    Count = 1,
                    FirstTimestamp = now,
                    LastTimestamp = now,
                    Source = new V1EventSource { Component = settings.Name },
                    ReportingComponent = settings.Name,
                    ReportingInstance = settings.Identity,
                },
                @namespace,
                cancellationToken: cancellationToken).ConfigureAwait(false);
            _counts[name] = 1;
        }
        catch (Exception e) when (KubernetesErrors.IsConflict(e))
        {
            // Another replica or an earlier run of ours wrote it: count on top of it.
            await TryBumpExistingAsync(name, @namespace, now, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not record event {Reason} on {Kind} {Name}", reason, entity.Kind, entity.Metadata.Name);
        }
    }

    private async Task TryBumpExistingAsync(string name, string @namespace, DateTime now, CancellationToken cancellationToken)
    {
        try
        {
            var existing = await kubernetes.CoreV1.ReadNamespacedEventAsync(name, @namespace, cancellationToken: cancellationToken).ConfigureAwait(false);
            var count = (existing.Count ?? 1) + 1;
            await BumpAsync(name, @namespace, count, now, cancellationToken).ConfigureAwait(false);
            _counts[name] = count;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Could not update event {Name}", name);
        }
    }

    private Task BumpAsync(string name, string @namespace, int count, DateTime now, CancellationToken cancellationToken)
    {
        var patch = $$"""{"count":{{count}},"lastTimestamp":"{{now:yyyy-MM-ddTHH:mm:ssZ}}"}""";
        return kubernetes.CoreV1.PatchNamespacedEventAsync(new V1Patch(patch, V1Patch.PatchType.MergePatch), name, @namespace, cancellationToken: cancellationToken);
    }

    private static string EventName(IKubernetesObject<V1ObjectMeta> entity, string reason, string message)
    {
        var key = $"{entity.Kind}/{entity.Metadata.NamespaceProperty}/{entity.Metadata.Name}/{entity.Metadata.Uid}/{reason}/{message}";
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..16];
        return $"{entity.Metadata.Name}.{hash}";
    }
}
