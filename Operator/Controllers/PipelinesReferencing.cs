using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Runtime.Abstractions;
using EtlRouter.Operator.Runtime.Client;
using EtlRouter.Operator.Runtime.Watcher;

namespace EtlRouter.Operator.Controllers;

/// <summary>When a source, transform or sink changes, the pipelines of its namespace that name it reconcile.</summary>
public sealed class PipelinesReferencing<TService>(EntityCache<EtlPipeline> pipelines) : IEntityMapper<TService, EtlPipeline>
    where TService : IServiceEntity
{
    public IEnumerable<EntityKey> Map(TService related) =>
        pipelines.List(related.Metadata.NamespaceProperty)
            .Where(p => ReferenceResolver.References(p, related.ServiceKind, related.Metadata.Name))
            .Select(EntityKey.Of);
}
