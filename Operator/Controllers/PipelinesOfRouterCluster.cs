using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Router;
using EtlRouter.OperatorRuntime.Abstractions;

namespace EtlRouter.Operator.Controllers;

/// <summary>When an EtlRouterCluster appears or changes, the pipelines that run on it reconcile (those waiting for it first of all).</summary>
internal sealed class PipelinesOfRouterCluster(IEntityCache<EtlPipeline> pipelines, RouterResolver resolver) : IEntityMapper<EtlRouterCluster, EtlPipeline>
{
    public IEnumerable<EntityKey> Map(EtlRouterCluster cluster) =>
        pipelines.List()
            .Where(p => resolver.Uses(p, cluster.Metadata.NamespaceProperty ?? "default", cluster.Metadata.Name))
            .Select(EntityKey.Of);
}
