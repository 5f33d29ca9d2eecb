using System.Globalization;
using EtlRouter.Contracts;
using k8s.Models;

namespace EtlRouter.SidecarInjector;

/// <summary>The sidecar container for a <see cref="SidecarSpec"/>: env from the downward API, probes, and a
/// non-root, read-only, no-capabilities security context that passes the "restricted" Pod Security Standard.</summary>
internal static class SidecarContainer
{
    /// <summary>The image's non-root user (the distroless "nonroot" uid).</summary>
    public const long RunAsUser = 65532;

    /// <summary>The projected ServiceAccount token the sidecar proves its pod with (PodPatch adds the volume).</summary>
    public const string TokenVolume = "etl-router-token";
    public const string TokenDirectory = "/var/run/secrets/etl-router";
    public const string TokenAudience = "etl-router";

    public static V1Container Build(SidecarSpec spec, string certificateEndpoint, string? caBundlePem)
    {
        List<V1EnvVar> identity =
        [
            Env("CERTIFICATE_ENDPOINT", certificateEndpoint),
            Env("SIDECAR_TOKEN_FILE", TokenDirectory + "/token"),
        ];
        if (caBundlePem is not null) identity.Add(Env("TLS_CA_PEM", caBundlePem));

        var requests = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(spec.CpuRequest),
            ["memory"] = new(spec.MemoryRequest),
        };
        var limits = new Dictionary<string, ResourceQuantity>();
        if (spec.CpuLimit is not null) limits["cpu"] = new(spec.CpuLimit);
        if (spec.MemoryLimit is not null) limits["memory"] = new(spec.MemoryLimit);

        return new V1Container
        {
            Name = InjectorSettings.ContainerName,
            Image = spec.Image,
            ImagePullPolicy = "IfNotPresent",
            RestartPolicy = spec.Mode == SidecarMode.Native ? "Always" : null,
            Env =
            [
                FieldRef("SIDECAR_ID", "metadata.name"),
                FieldRef("POD_NAME", "metadata.name"),
                FieldRef("POD_NAMESPACE", "metadata.namespace"),
                FieldRef("POD_IP", "status.podIP"),
                Env("CLUSTER_ENDPOINT", spec.ClusterEndpoint),
                Env("GRPC_PORT", spec.GrpcPort.ToString(CultureInfo.InvariantCulture)),
                Env("METRICS_PORT", spec.MetricsPort.ToString(CultureInfo.InvariantCulture)),
                Env("DISCOVERY_PORTS", spec.DiscoveryPorts),
                .. identity,
            ],
            VolumeMounts = [new V1VolumeMount { Name = TokenVolume, MountPath = TokenDirectory, ReadOnlyProperty = true }],
            Ports =
            [
                new V1ContainerPort { ContainerPort = spec.GrpcPort, Name = "etl-grpc", Protocol = "TCP" },
                new V1ContainerPort { ContainerPort = spec.MetricsPort, Name = "etl-metrics", Protocol = "TCP" },
            ],
            Resources = new V1ResourceRequirements { Requests = requests, Limits = limits.Count > 0 ? limits : null },
            StartupProbe = Probe("/healthz", spec.MetricsPort, periodSeconds: 1, failureThreshold: 60),
            ReadinessProbe = Probe("/readyz", spec.MetricsPort, periodSeconds: 5, failureThreshold: 3),
            LivenessProbe = Probe("/healthz", spec.MetricsPort, periodSeconds: 10, failureThreshold: 3),
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                RunAsUser = RunAsUser,
                RunAsGroup = RunAsUser,
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                Privileged = false,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
                SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" },
            },
        };
    }

    private static V1EnvVar Env(string name, string value) => new() { Name = name, Value = value };

    private static V1EnvVar FieldRef(string name, string path) =>
        new() { Name = name, ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = path } } };

    private static V1Probe Probe(string path, int port, int periodSeconds, int failureThreshold) => new()
    {
        HttpGet = new V1HTTPGetAction { Path = path, Port = port },
        PeriodSeconds = periodSeconds,
        FailureThreshold = failureThreshold,
        TimeoutSeconds = 2,
    };
}
