using EtlRouter.Entities.Resources;
using EtlRouter.OperatorRuntime.Abstractions;

namespace EtlRouter.Operator.Router;

/// <summary>
/// Finds a pipeline's router: its <c>spec.routerCluster</c> (NAME in its namespace, or NAMESPACE/NAME), else the
/// install's (<see cref="RouterSettings.Cluster"/>). An EtlRouterCluster is reached at its client Service; the
/// install's may instead be given an explicit <see cref="RouterSettings.Endpoint"/> (a router outside Kubernetes,
/// as in local runs and tests), which is used without looking the cluster up.
/// </summary>
internal sealed class RouterResolver(RouterSettings settings, IEntityCache<EtlRouterCluster> clusters)
{
    public RouterChoice Resolve(EtlPipeline pipeline)
    {
        var cluster = Qualify(pipeline.Spec.RouterCluster, pipeline.Metadata.NamespaceProperty ?? "default") ?? settings.Cluster;
        if (cluster == settings.Cluster && settings.Endpoint is { Length: > 0 } endpoint)
            return new RouterChoice(cluster, endpoint, null);

        var (clusterNamespace, name) = Split(cluster);
        if (clusters.Get(new EntityKey(clusterNamespace, name)) is not { } found)
        {
            var fix = pipeline.Spec.RouterCluster is null
                ? "create it (helm install does), or name another in spec.routerCluster"
                : "create it, or correct spec.routerCluster";
            return new RouterChoice(cluster, null, $"EtlRouterCluster {cluster} does not exist; {fix}. The pipeline waits for it");
        }

        return new RouterChoice(cluster, settings.ClusterEndpoint(name, clusterNamespace, found.Spec.GrpcPort ?? RouterClusterSpec.DefaultGrpcPort), null);
    }

    /// <summary>Whether a pipeline runs on the given cluster (to wake the pipelines waiting for it).</summary>
    public bool Uses(EtlPipeline pipeline, string clusterNamespace, string name) =>
        (Qualify(pipeline.Spec.RouterCluster, pipeline.Metadata.NamespaceProperty ?? "default") ?? settings.Cluster) == $"{clusterNamespace}/{name}";

    private static string? Qualify(string? reference, string pipelineNamespace) =>
        reference is null ? null : reference.Contains('/', StringComparison.Ordinal) ? reference : $"{pipelineNamespace}/{reference}";

    private static (string Namespace, string Name) Split(string cluster)
    {
        var slash = cluster.IndexOf('/', StringComparison.Ordinal);
        return (cluster[..slash], cluster[(slash + 1)..]);
    }
}
