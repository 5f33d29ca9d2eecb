using System.Globalization;
using EtlRouter.Contracts;
using EtlRouter.Entities.Resources;
using k8s.Models;
using EtlRouter.Contracts.Hosting;

namespace EtlRouter.Operator.Controllers;

/// <summary>
/// The Kubernetes objects an EtlRouterCluster consists of: a headless Service for stable Raft peer names
/// (it publishes pods before they are ready, since peers must find each other to become ready), a client
/// Service, a StatefulSet with one PVC per node, and a PodDisruptionBudget that keeps a quorum.
/// </summary>
internal static class RouterClusterResources
{
    public const string DataDir = "/var/lib/etl-router";

    /// <summary>Where the router reads its TLS identity (the NAME-tls Secret).</summary>
    public const string TlsDir = "/var/run/etl-router/tls";

    public static string HeadlessName(EtlRouterCluster cluster) => cluster.Metadata.Name + "-raft";

    public static IDictionary<string, string> SelectorLabels(EtlRouterCluster cluster) => new Dictionary<string, string>
    {
        ["app.kubernetes.io/name"] = "etl-router",
        ["app.kubernetes.io/instance"] = cluster.Metadata.Name,
    };

    private static Dictionary<string, string> Labels(EtlRouterCluster cluster) => new(SelectorLabels(cluster))
    {
        ["app.kubernetes.io/managed-by"] = "etl-operator",
        ["app.kubernetes.io/component"] = "router",
    };

    public static V1OwnerReference OwnerOf(EtlRouterCluster cluster) => new()
    {
        ApiVersion = cluster.ApiVersion,
        Kind = cluster.Kind,
        Name = cluster.Metadata.Name,
        Uid = cluster.Metadata.Uid,
        Controller = true,
        BlockOwnerDeletion = true,
    };

    private static V1ObjectMeta Meta(EtlRouterCluster cluster, string name) => new()
    {
        Name = name,
        NamespaceProperty = cluster.Metadata.NamespaceProperty,
        Labels = Labels(cluster),
        OwnerReferences = [OwnerOf(cluster)],
    };

    public static V1Service HeadlessService(EtlRouterCluster cluster) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(cluster, HeadlessName(cluster)),
        Spec = new V1ServiceSpec
        {
            ClusterIP = "None",
            PublishNotReadyAddresses = true,
            Selector = SelectorLabels(cluster),
            Ports = [new V1ServicePort { Name = "raft", Port = cluster.Spec.RaftPort ?? RouterClusterSpec.DefaultRaftPort, TargetPort = "raft" }],
        },
    };

    public static V1Service ClientService(EtlRouterCluster cluster) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = Meta(cluster, cluster.Metadata.Name),
        Spec = new V1ServiceSpec
        {
            Selector = SelectorLabels(cluster),
            Ports =
            [
                new V1ServicePort { Name = "grpc", Port = cluster.Spec.GrpcPort ?? RouterClusterSpec.DefaultGrpcPort, TargetPort = "grpc", AppProtocol = "kubernetes.io/h2c" },
                new V1ServicePort { Name = "http", Port = cluster.Spec.HttpPort ?? RouterClusterSpec.DefaultHttpPort, TargetPort = "http" },
            ],
        },
    };

    /// <summary>The budget in <paramref name="apiVersion"/> (policy/v1, or policy/v1beta1 before Kubernetes 1.21: same fields).</summary>
    public static V1PodDisruptionBudget DisruptionBudget(EtlRouterCluster cluster, string apiVersion = "policy/v1") => new()
    {
        ApiVersion = apiVersion,
        Kind = "PodDisruptionBudget",
        Metadata = Meta(cluster, cluster.Metadata.Name),
        Spec = new V1PodDisruptionBudgetSpec
        {
            // A voluntary eviction may never take the group below a majority.
            MinAvailable = (cluster.Spec.Replicas ?? RouterClusterSpec.DefaultReplicas) / 2 + 1,
            Selector = new V1LabelSelector { MatchLabels = SelectorLabels(cluster) },
        },
    };

    /// <summary>Node <paramref name="ordinal"/>'s Raft address: its pod's name under the headless Service.</summary>
    public static string RaftAddress(EtlRouterCluster cluster, int ordinal) =>
        string.Create(CultureInfo.InvariantCulture, $"{cluster.Metadata.Name}-{ordinal}.{RaftDomain(cluster)}:{cluster.Spec.RaftPort ?? RouterClusterSpec.DefaultRaftPort}");

    /// <summary>RAFT_PEERS for a group of <paramref name="replicas"/> nodes: ordinal=address.</summary>
    public static string Peers(EtlRouterCluster cluster, int replicas) =>
        string.Join(",", Enumerable.Range(0, replicas).Select(i => string.Create(CultureInfo.InvariantCulture, $"{i}={RaftAddress(cluster, i)}")));

    private static string RaftDomain(EtlRouterCluster cluster) => $"{HeadlessName(cluster)}.{cluster.Metadata.NamespaceProperty ?? "default"}.svc";

    /// <summary>
    /// The StatefulSet. <paramref name="peers"/> is the group's initial membership, fixed for the StatefulSet's life so
    /// that scaling never changes the pod template (and restarts no node); a node not in it joins when added.
    /// </summary>
    public static V1StatefulSet StatefulSet(EtlRouterCluster cluster, string peers, int replicas)
    {
        var raftPort = cluster.Spec.RaftPort ?? RouterClusterSpec.DefaultRaftPort;
        var grpcPort = cluster.Spec.GrpcPort ?? RouterClusterSpec.DefaultGrpcPort;
        var httpPort = cluster.Spec.HttpPort ?? RouterClusterSpec.DefaultHttpPort;

        var container = new V1Container
        {
            Name = "router",
            Image = cluster.Spec.Image ?? RouterClusterSpec.DefaultImage,
            ImagePullPolicy = cluster.Spec.ImagePullPolicy?.ToString() ?? "IfNotPresent",
            Ports =
            [
                new V1ContainerPort { Name = "grpc", ContainerPort = grpcPort },
                new V1ContainerPort { Name = "http", ContainerPort = httpPort },
                new V1ContainerPort { Name = "raft", ContainerPort = raftPort },
            ],
            Env =
            [
                // The node id is the pod's ordinal, which the router reads off POD_NAME (the pod-index label needs 1.28).
                new V1EnvVar { Name = "POD_NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
                new V1EnvVar { Name = "RAFT_PEERS", Value = peers },
                new V1EnvVar { Name = "RAFT_ADDRESS", Value = string.Create(CultureInfo.InvariantCulture, $"$(POD_NAME).{RaftDomain(cluster)}:{raftPort}") },
                new V1EnvVar { Name = "GRPC_PORT", Value = grpcPort.ToString(CultureInfo.InvariantCulture) },
                new V1EnvVar { Name = "GRAPHQL_PORT", Value = httpPort.ToString(CultureInfo.InvariantCulture) },
                new V1EnvVar { Name = "DATA_DIR", Value = DataDir },
                new V1EnvVar { Name = "TLS_DIR", Value = TlsDir },
                new V1EnvVar { Name = ServerJitEnvironment.Name, Value = ServerJitEnvironment.Value },
            ],
            VolumeMounts = [new V1VolumeMount { Name = "data", MountPath = DataDir }, new V1VolumeMount { Name = "tls", MountPath = TlsDir, ReadOnlyProperty = true }],
            // The HTTP port speaks TLS; the kubelet probes over HTTPS without checking the certificate. The startup
            // probe gives a node up to five minutes to start (it JITs the framework, and a busy two-core node took
            // over a minute): without it the liveness probe killed routers that were still starting, over and over.
            StartupProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = "http", Scheme = "HTTPS" }, PeriodSeconds = 5, TimeoutSeconds = 5, FailureThreshold = 60 },
            ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/readyz", Port = "http", Scheme = "HTTPS" }, PeriodSeconds = 5, TimeoutSeconds = 5 },
            LivenessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Path = "/healthz", Port = "http", Scheme = "HTTPS" }, PeriodSeconds = 10, TimeoutSeconds = 5, FailureThreshold = 6 },
            Resources = cluster.Spec.Resources ?? new V1ResourceRequirements
            {
                Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("128Mi") },
                Limits = new Dictionary<string, ResourceQuantity> { ["memory"] = new("512Mi") },
            },
            SecurityContext = new V1SecurityContext
            {
                RunAsNonRoot = true,
                AllowPrivilegeEscalation = false,
                ReadOnlyRootFilesystem = true,
                Capabilities = new V1Capabilities { Drop = ["ALL"] },
            },
        };

        return new V1StatefulSet
        {
            ApiVersion = "apps/v1",
            Kind = "StatefulSet",
            Metadata = Meta(cluster, cluster.Metadata.Name),
            Spec = new V1StatefulSetSpec
            {
                Replicas = replicas,
                ServiceName = HeadlessName(cluster),
                // Raft needs a majority up to elect a leader: start every node at once, not one by one.
                PodManagementPolicy = "Parallel",
                Selector = new V1LabelSelector { MatchLabels = SelectorLabels(cluster) },
                Template = new V1PodTemplateSpec
                {
                    Metadata = new V1ObjectMeta { Labels = Labels(cluster) },
                    Spec = new V1PodSpec
                    {
                        Containers = [container],
                        // The router identity the operator issues from the install CA (RouterIdentitySecrets).
                        Volumes = [new V1Volume { Name = "tls", Secret = new V1SecretVolumeSource { SecretName = cluster.Metadata.Name + "-tls", DefaultMode = 0b100_100_000 } }],
                        SecurityContext = new V1PodSecurityContext { RunAsNonRoot = true, RunAsUser = 65532, FsGroup = 65532, SeccompProfile = new V1SeccompProfile { Type = "RuntimeDefault" } },
                        TerminationGracePeriodSeconds = 30,
                    },
                },
                VolumeClaimTemplates =
                [
                    new V1PersistentVolumeClaim
                    {
                        Metadata = new V1ObjectMeta { Name = "data" },
                        Spec = new V1PersistentVolumeClaimSpec
                        {
                            AccessModes = ["ReadWriteOnce"],
                            StorageClassName = cluster.Spec.Storage?.StorageClassName,
                            Resources = new V1VolumeResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["storage"] = new(cluster.Spec.Storage?.Size ?? RouterStorageSpec.DefaultSize) } },
                        },
                    },
                ],
            },
        };
    }
}
