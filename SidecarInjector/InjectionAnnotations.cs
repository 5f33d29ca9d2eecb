namespace EtlRouter.SidecarInjector;

/// <summary>
/// The pod annotations and namespace label the injector reads and writes. README's annotation table lists the
/// same names (<see cref="Documented"/> keeps the two from drifting: a test compares them).
/// </summary>
public static class InjectionAnnotations
{
    public const string Prefix = "etl.router/";

    /// <summary>Pod annotation: "true" asks for the sidecar, "false" refuses it even in an injected namespace.</summary>
    public const string Inject = Prefix + "inject";

    /// <summary>Namespace label: "enabled" injects every pod of the namespace that does not opt out.</summary>
    public const string NamespaceInjection = Prefix + "injection";

    public const string NamespaceInjectionEnabled = "enabled";

    /// <summary>The label every injected pod gets, for NetworkPolicies to select injected pods by.</summary>
    public const string SidecarLabel = Prefix + "sidecar";

    public const string SidecarLabelValue = "injected";

    public const string SidecarImage = Prefix + "sidecar-image";

    public const string GrpcPort = Prefix + "grpc-port";

    public const string MetricsPort = Prefix + "metrics-port";

    public const string DiscoveryPorts = Prefix + "discovery-ports";

    public const string ClusterEndpoint = Prefix + "cluster-endpoint";

    public const string SidecarMode = Prefix + "sidecar-mode";

    public const string CpuRequest = Prefix + "sidecar-cpu";

    public const string MemoryRequest = Prefix + "sidecar-memory";

    public const string CpuLimit = Prefix + "sidecar-cpu-limit";

    public const string MemoryLimit = Prefix + "sidecar-memory-limit";

    /// <summary>Written by the injector: the injector version that added the sidecar (also marks the pod as done).</summary>
    public const string InjectedVersion = Prefix + "injected-version";

    /// <summary>Every annotation a user may set, with what it does and its default.</summary>
    public static IReadOnlyList<(string Name, string Meaning, string Default)> Documented { get; } =
    [
        (Inject, "`\"true\"` injects the sidecar into this pod; `\"false\"` never does, even in a namespace labelled for injection", "unset (the namespace decides)"),
        (SidecarImage, "the sidecar's image", "the operator's `Webhook:SidecarImage`"),
        (GrpcPort, "the sidecar's data-plane port (GRPC_PORT); must not clash with the pod's ports", "9091"),
        (MetricsPort, "the sidecar's health and metrics port (METRICS_PORT)", "9092"),
        (DiscoveryPorts, "local ports the sidecar scans for services (DISCOVERY_PORTS), such as `50051-50060,7000`", "50051-50060"),
        (ClusterEndpoint, "the router the sidecar registers with (CLUSTER_ENDPOINT), host:port", "the operator's `Webhook:ClusterEndpoint`"),
        (SidecarMode, "`native` (an init container with restartPolicy Always, Kubernetes 1.29+) or `container` (a regular container)", "native on 1.29+, else container"),
        (CpuRequest, "the sidecar's CPU request, a Kubernetes quantity such as `100m`", "50m"),
        (MemoryRequest, "the sidecar's memory request, such as `128Mi`", "64Mi"),
        (CpuLimit, "the sidecar's CPU limit", "none"),
        (MemoryLimit, "the sidecar's memory limit", "128Mi"),
    ];
}
