namespace EtlRouter.Testing.KubeApiServer;

/// <summary>A kind the server serves: where its URLs live and whether it has a status subresource.</summary>
public sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool Namespaced, bool HasStatus)
{
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string Key => $"{Group}/{Version}/{Plural}";

    /// <summary>The kinds a fresh server knows; CRDs add theirs when they are created.</summary>
    public static IEnumerable<ResourceType> BuiltIn() =>
    [
        new("", "v1", "namespaces", "Namespace", false, true),
        new("", "v1", "pods", "Pod", true, true),
        new("", "v1", "services", "Service", true, true),
        new("", "v1", "events", "Event", true, false),
        new("", "v1", "secrets", "Secret", true, false),
        new("", "v1", "configmaps", "ConfigMap", true, false),
        new("", "v1", "serviceaccounts", "ServiceAccount", true, false),
        new("apps", "v1", "statefulsets", "StatefulSet", true, true),
        new("apps", "v1", "deployments", "Deployment", true, true),
        new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, true),
        new("coordination.k8s.io", "v1", "leases", "Lease", true, false),
        new("events.k8s.io", "v1", "events", "Event", true, false),
        new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false, true),
        new("admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations", "MutatingWebhookConfiguration", false, false),
        new("admissionregistration.k8s.io", "v1", "validatingwebhookconfigurations", "ValidatingWebhookConfiguration", false, false),
    ];
}
