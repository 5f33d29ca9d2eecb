using System.Text.Json;
using EtlRouter.SidecarInjector.Admission;
using k8s;
using k8s.Models;

namespace EtlRouter.SidecarInjector;

/// <summary>
/// The mutating webhook's decision for one AdmissionReview: pods being created get the sidecar when the
/// policy says so; everything else (other kinds, updates, deletes, subresources) is allowed unchanged.
/// </summary>
public sealed class SidecarInjectionWebhook(InjectorSettings settings)
{
    /// <param name="request">The review's request.</param>
    /// <param name="namespaceLabels">The labels of the pod's namespace, or null when they could not be read.</param>
    /// <param name="clusterVersion">The API server's version (native sidecars need 1.29), or null when unknown.</param>
    public (AdmissionResponse Response, InjectionDecision Decision) Review(AdmissionRequest request, IReadOnlyDictionary<string, string>? namespaceLabels, Version? clusterVersion)
    {
        if (!request.IsPod || request.Operation != "CREATE")
        {
            var what = request.IsPod ? $"{request.Operation} of a pod" : $"{request.Operation} of {Describe(request)}";
            return (AdmissionResponse.Allow(request.Uid), InjectionDecision.Skip($"{what} is not injected (only pods being created are)"));
        }

        V1Pod pod;
        try
        {
            pod = KubernetesJson.Deserialize<V1Pod>(request.Object?.ToJsonString() ?? throw new JsonException("request.object is missing"));
        }
        catch (JsonException e)
        {
            var message = $"request.object: not a pod the injector can read ({e.Message})";
            return (AdmissionResponse.Deny(request.Uid, message), InjectionDecision.Refuse(message));
        }

        var namespaceName = request.Namespace.Length > 0 ? request.Namespace : pod.Metadata?.NamespaceProperty ?? "default";
        var decision = InjectionPolicy.Decide(pod, namespaceName, namespaceLabels, settings);
        switch (decision.Outcome)
        {
            case InjectionOutcome.Skip:
                return (AdmissionResponse.Allow(request.Uid), decision);
            case InjectionOutcome.Refuse:
                return (AdmissionResponse.Deny(request.Uid, $"etl-router sidecar injector: {decision.Reason}"), decision);
        }

        var (spec, errors) = SidecarOverrides.Read(pod, settings, clusterVersion);
        if (spec is null)
        {
            var message = $"etl-router sidecar injector: {string.Join("; ", errors)}";
            return (AdmissionResponse.Deny(request.Uid, message), InjectionDecision.Refuse(string.Join("; ", errors)));
        }

        var patch = PodPatch.AddSidecar(pod, SidecarContainer.Build(spec, settings.CertificateEndpoint, settings.CaBundlePem()), spec.Mode, settings.Version);
        return (AdmissionResponse.Allow(request.Uid, patch), decision with { Reason = $"{decision.Reason}; added as a {(spec.Mode == SidecarMode.Native ? "native sidecar" : "container")}" });
    }

    private static string Describe(AdmissionRequest request) =>
        request.Group.Length == 0 ? $"{request.Kind} ({request.Resource})" : $"{request.Kind}.{request.Group} ({request.Resource})";
}
