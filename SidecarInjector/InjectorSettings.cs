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

    public string? MemoryLimit { get; set; } = "256Mi";

    /// <summary>The operator's own namespace: never injected, like kube-system.</summary>
    public string OperatorNamespace { get; set; } = "etl-system";

    /// <summary>Namespaces never injected whatever their labels say.</summary>
    public IReadOnlyList<string> ExcludedNamespaces => ["kube-system", "kube-public", "kube-node-lease", OperatorNamespace];
}
