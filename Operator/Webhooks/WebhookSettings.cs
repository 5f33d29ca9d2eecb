using EtlRouter.SidecarInjector;

namespace EtlRouter.Operator.Webhooks;

/// <summary>The admission webhooks' settings; bound from configuration section "Webhook".</summary>
internal sealed class WebhookSettings
{
    /// <summary>False turns the HTTPS endpoint and the certificate management off (an operator without webhooks).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The HTTPS port the API server calls (controller-runtime's default).</summary>
    public int Port { get; set; } = 9443;

    /// <summary>The Service in front of the operator's pods; the serving certificate is issued for its DNS names.</summary>
    public string ServiceName { get; set; } = "etl-operator-webhook";

    /// <summary>Extra names or IP addresses the serving certificate covers (e.g. 127.0.0.1 when called by URL).</summary>
    public List<string> AdditionalHosts { get; set; } = [];

    public CertificateSource CertificateSource { get; set; } = CertificateSource.SelfSigned;

    /// <summary>SelfSigned: the Secret (in the operator's namespace) holding the CA and the serving certificate.</summary>
    public string SecretName { get; set; } = "etl-operator-webhook-tls";

    /// <summary>Files: where tls.crt and tls.key are mounted (cert-manager's Secret); re-read when they change.</summary>
    public string CertificateDirectory { get; set; } = "/tmp/k8s-webhook-server/serving-certs";

    public TimeSpan CaValidity { get; set; } = TimeSpan.FromDays(365);

    public TimeSpan ServingCertificateValidity { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often the certificate is checked (and re-read from the Secret or the files).</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    public string MutatingConfigurationName { get; set; } = "etl-router-sidecar-injector";

    public string ValidatingConfigurationName { get; set; } = "etl-router-pipeline-validation";

    /// <summary>
    /// failurePolicy of the injector's entry for namespaces labelled etl.router/injection=enabled. Fail: such a
    /// namespace asked for the data plane, and a pod without it would run silently outside it. The entry for
    /// per-pod annotations sees every other pod of the cluster and is always Ignore: a down webhook must never
    /// block them.
    /// </summary>
    public string InjectionFailurePolicy { get; set; } = "Fail";

    /// <summary>failurePolicy of the EtlPipeline validation (the reconciler validates again either way).</summary>
    public string PipelineValidationFailurePolicy { get; set; } = "Fail";

    /// <summary>How long the API server waits for us; pod creation waits with it, so keep it short.</summary>
    public int TimeoutSeconds { get; set; } = 5;

    /// <summary>The sidecar the injector adds.</summary>
    public InjectorSettings Injector { get; set; } = new();
}

/// <summary>Where the webhook's serving certificate comes from.</summary>
internal enum CertificateSource
{
    /// <summary>The operator makes its own CA and certificate, keeps them in a Secret, rotates them and keeps caBundle current.</summary>
    SelfSigned,

    /// <summary>Files mounted from a Secret another tool keeps (cert-manager, which also injects caBundle).</summary>
    Files,
}
