using EtlRouter.Entities.Resources;
using EtlRouter.OperatorRuntime.Abstractions;

namespace EtlRouter.Operator.Controllers;

/// <summary>When a source, transform or sink changes, the pipelines of its namespace that name it reconcile.</summary>
internal sealed class PipelinesReferencing<TService>(IEntityCache<EtlPipeline> pipelines) : IEntityMapper<TService, EtlPipeline>
    where TService : IServiceEntity
{
    public IEnumerable<EntityKey> Map(TService related) =>
        pipelines.List(related.Metadata.NamespaceProperty)
            .Where(p => ReferenceResolver.References(p, related.ServiceKind, related.Metadata.Name))
            .Select(EntityKey.Of);
}
