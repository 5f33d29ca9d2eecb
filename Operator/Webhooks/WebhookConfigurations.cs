using EtlRouter.SidecarInjector;
using k8s.Models;

namespace EtlRouter.Operator.Webhooks;

/// <summary>
/// The MutatingWebhookConfiguration (sidecar injection) and ValidatingWebhookConfiguration (EtlPipeline) the
/// operator serves. `make generate` writes them under config/webhook with a Service client config; tests build
/// them with a URL. caBundle is left empty: the operator fills it (or cert-manager's CA injector does).
/// </summary>
internal static class WebhookConfigurations
{
    public const string NamespaceInjectionWebhook = "namespace.inject.etl.router";
    public const string PodInjectionWebhook = "pod.inject.etl.router";
    public const string PipelineValidationWebhook = "etlpipelines.validate.etl.router";

    /// <summary>A client config that calls the operator's Service (port 443 to the pods' webhook port).</summary>
    public static Func<string, Admissionregistrationv1WebhookClientConfig> ViaService(WebhookSettings settings, string operatorNamespace) =>
        path => new Admissionregistrationv1WebhookClientConfig
        {
            Service = new Admissionregistrationv1ServiceReference { Name = settings.ServiceName, NamespaceProperty = operatorNamespace, Path = path, Port = 443 },
        };

    /// <summary>A client config that calls a URL such as https://127.0.0.1:9443 (tests, and out-of-cluster operators).</summary>
    public static Func<string, Admissionregistrationv1WebhookClientConfig> ViaUrl(Uri baseUrl) =>
        path => new Admissionregistrationv1WebhookClientConfig { Url = new Uri(baseUrl, path).ToString() };

    public static V1MutatingWebhookConfiguration Mutating(WebhookSettings settings, Func<string, Admissionregistrationv1WebhookClientConfig> clientConfig)
    {
        var excluded = new V1LabelSelectorRequirement { Key = "kubernetes.io/metadata.name", OperatorProperty = "NotIn", Values = [.. settings.Injector.ExcludedNamespaces] };
        V1MutatingWebhook Webhook(string name, string failurePolicy, V1LabelSelector namespaces) => new()
        {
            Name = name,
            AdmissionReviewVersions = ["v1"],
            SideEffects = "None",
            TimeoutSeconds = settings.TimeoutSeconds,
            FailurePolicy = failurePolicy,
            MatchPolicy = "Equivalent",

            // Another mutating webhook may add containers after us; being called again is a no-op (the pod is marked).
            ReinvocationPolicy = "IfNeeded",
            Rules = [new V1RuleWithOperations { Operations = ["CREATE"], ApiGroups = [""], ApiVersions = ["v1"], Resources = ["pods"], Scope = "Namespaced" }],
            NamespaceSelector = namespaces,
            ClientConfig = clientConfig(AdmissionEndpoints.InjectPath),
        };

        return new V1MutatingWebhookConfiguration
        {
            ApiVersion = "admissionregistration.k8s.io/v1",
            Kind = "MutatingWebhookConfiguration",
            Metadata = new V1ObjectMeta { Name = settings.MutatingConfigurationName, Labels = Labels() },
            Webhooks =
            [
                Webhook(NamespaceInjectionWebhook, settings.InjectionFailurePolicy, new V1LabelSelector
                {
                    MatchLabels = new Dictionary<string, string> { [InjectionAnnotations.NamespaceInjection] = InjectionAnnotations.NamespaceInjectionEnabled },
                    MatchExpressions = [excluded],
                }),
                Webhook(PodInjectionWebhook, "Ignore", new V1LabelSelector
                {
                    MatchExpressions =
                    [
                        new V1LabelSelectorRequirement { Key = InjectionAnnotations.NamespaceInjection, OperatorProperty = "NotIn", Values = [InjectionAnnotations.NamespaceInjectionEnabled] },
                        excluded,
                    ],
                }),
            ],
        };
    }

    public static V1ValidatingWebhookConfiguration Validating(WebhookSettings settings, Func<string, Admissionregistrationv1WebhookClientConfig> clientConfig) => new()
    {
        ApiVersion = "admissionregistration.k8s.io/v1",
        Kind = "ValidatingWebhookConfiguration",
        Metadata = new V1ObjectMeta { Name = settings.ValidatingConfigurationName, Labels = Labels() },
        Webhooks =
        [
            new V1ValidatingWebhook
            {
                Name = PipelineValidationWebhook,
                AdmissionReviewVersions = ["v1"],
                SideEffects = "None",
                TimeoutSeconds = settings.TimeoutSeconds,
                FailurePolicy = settings.PipelineValidationFailurePolicy,
                MatchPolicy = "Equivalent",
                Rules = [new V1RuleWithOperations { Operations = ["CREATE", "UPDATE"], ApiGroups = ["etl.router"], ApiVersions = ["v1"], Resources = ["etlpipelines"], Scope = "Namespaced" }],
                ClientConfig = clientConfig(AdmissionEndpoints.ValidatePipelinePath),
            },
        ],
    };

    private static Dictionary<string, string> Labels() => new() { ["app.kubernetes.io/name"] = "etl-operator", ["app.kubernetes.io/component"] = "webhook" };
}
