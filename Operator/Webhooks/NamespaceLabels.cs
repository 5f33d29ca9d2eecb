using System.Collections.Concurrent;
using System.Net;
using EtlRouter.OperatorRuntime.Abstractions;
using k8s;
using k8s.Autorest;

namespace EtlRouter.Operator.Webhooks;

/// <summary>
/// The labels of a namespace, for the injector's namespace rule (an AdmissionReview carries only the pod).
/// Cached briefly: a burst of pods in one namespace asks the API server once.
/// </summary>
[GenericRbac(Groups = [""], Resources = ["namespaces"], Verbs = RbacVerb.Get)]
internal sealed class NamespaceLabels(IKubernetes client, TimeProvider time)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private readonly ConcurrentDictionary<string, (IReadOnlyDictionary<string, string> Labels, DateTimeOffset Read)> cache = new(StringComparer.Ordinal);

    /// <summary>The namespace's labels; empty when it does not exist; null when they could not be read.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> GetAsync(string namespaceName, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (cache.TryGetValue(namespaceName, out var hit) && now - hit.Read < CacheFor) return hit.Labels;
        try
        {
            var found = await client.CoreV1.ReadNamespaceAsync(namespaceName, cancellationToken: cancellationToken);
            IReadOnlyDictionary<string, string> labels = found.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : new Dictionary<string, string>();
            cache[namespaceName] = (labels, now);
            return labels;
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            return new Dictionary<string, string>();
        }
        catch (Exception e) when (e is HttpOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
