namespace EtlRouter.SidecarInjector;

/// <summary>The sidecar one pod gets: the settings' defaults with the pod's annotations applied and checked.</summary>
internal sealed record SidecarSpec(
    string Image,
    string ClusterEndpoint,
    int GrpcPort,
    int MetricsPort,
    string DiscoveryPorts,
    SidecarMode Mode,
    string CpuRequest,
    string MemoryRequest,
    string? CpuLimit,
    string? MemoryLimit);
