namespace EtlRouter.SidecarInjector;

/// <summary>What the injector adds when a pod says nothing else; bound from the operator's "Webhook" section.</summary>
public sealed class InjectorSettings
{
    public const string ContainerName = "etl-sidecar";

    /// <summary>The version written to etl.router/injected-version.</summary>
    public string Version { get; set; } = "0.1.0";

    public string SidecarImage { get; set; } = "ghcr.io/etl-router/etl-sidecar:0.1.0";

    /// <summary>The router sidecars register with (host:port); the operator sets it to its install's router cluster.</summary>
    public string ClusterEndpoint { get; set; } = "etl-router.etl-system.svc:50051";

    public int GrpcPort { get; set; } = 9091;

    public int MetricsPort { get; set; } = 9092;

    public string DiscoveryPorts { get; set; } = "50051-50060";

    public SidecarMode Mode { get; set; } = SidecarMode.Auto;

    public string CpuRequest { get; set; } = "50m";

    public string MemoryRequest { get; set; } = "64Mi";

    public string? CpuLimit { get; set; }

    public string? MemoryLimit { get; set; } = "128Mi";

    /// <summary>Where sidecars trade their projected ServiceAccount token for a certificate (the operator's certificate port).</summary>
    public string CertificateEndpoint { get; set; } = "https://etl-operator-certificates.etl-system.svc:9444";

    private Func<string?> caBundle = () => null;

    /// <summary>The install CA bundle sidecars trust, when the operator has loaded it (null before).</summary>
    public string? CaBundlePem() => caBundle();

    /// <summary>Where <see cref="CaBundlePem"/> comes from: the operator's install CA (set at run time, never bound).</summary>
    public void UseCaBundle(Func<string?> source) => caBundle = source;

    /// <summary>The operator's own namespace: never injected, like kube-system.</summary>
    public string OperatorNamespace { get; set; } = "etl-system";

    /// <summary>Namespaces never injected whatever their labels say.</summary>
    public IReadOnlyList<string> ExcludedNamespaces => ["kube-system", "kube-public", "kube-node-lease", OperatorNamespace];
}
