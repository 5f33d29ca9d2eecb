using k8s.Models;

namespace EtlRouter.SidecarInjector;

/// <summary>
/// Which pods get the sidecar. The webhook configuration's selectors filter cheaply in the API server; these
/// rules are the same ones enforced in code, so a misconfigured webhook still does the right thing.
/// </summary>
internal static class InjectionPolicy
{
    public static InjectionDecision Decide(V1Pod pod, string namespaceName, IReadOnlyDictionary<string, string>? namespaceLabels, InjectorSettings settings)
    {
        if (settings.ExcludedNamespaces.Contains(namespaceName, StringComparer.Ordinal))
            return InjectionDecision.Skip($"namespace {namespaceName} is never injected");

        if (HasSidecar(pod))
            return InjectionDecision.Skip("the pod already has the sidecar");

        // A pod on the host's network shares the node's ports: a sidecar there would clash with every other one.
        if (pod.Spec?.HostNetwork == true)
            return InjectionDecision.Skip("the pod uses hostNetwork");

        var annotations = pod.Metadata?.Annotations;
        if (annotations is not null && annotations.TryGetValue(InjectionAnnotations.Inject, out var asked))
        {
            return asked.Trim().ToLowerInvariant() switch
            {
                "true" => InjectionDecision.Inject($"annotation {InjectionAnnotations.Inject}: \"true\""),
                "false" => InjectionDecision.Skip($"annotation {InjectionAnnotations.Inject}: \"false\" opts the pod out"),
                _ => InjectionDecision.Refuse($"annotation {InjectionAnnotations.Inject}: '{asked}' is not valid; write \"true\" or \"false\""),
            };
        }

        if (namespaceLabels is not null
            && namespaceLabels.TryGetValue(InjectionAnnotations.NamespaceInjection, out var label)
            && label == InjectionAnnotations.NamespaceInjectionEnabled)
        {
            return InjectionDecision.Inject($"namespace label {InjectionAnnotations.NamespaceInjection}={InjectionAnnotations.NamespaceInjectionEnabled}");
        }

        return InjectionDecision.Skip("neither the pod annotation nor the namespace label asks for injection");
    }

    /// <summary>Already injected: our container is there, or the injector marked the pod (reinvocation is a no-op).</summary>
    public static bool HasSidecar(V1Pod pod) =>
        pod.Metadata?.Annotations?.ContainsKey(InjectionAnnotations.InjectedVersion) == true
        || (pod.Spec?.Containers ?? []).Any(c => c.Name == InjectorSettings.ContainerName)
        || (pod.Spec?.InitContainers ?? []).Any(c => c.Name == InjectorSettings.ContainerName);
}
