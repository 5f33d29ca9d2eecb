using k8s;
using k8s.Models;

namespace EtlRouter.OperatorRuntime.Abstractions;

/// <summary>Says which owners to reconcile when a related object changes.</summary>
/// <example><code>
/// public sealed class SourceToPipelines(IEntityCache&lt;EtlPipeline&gt; pipelines) : IEntityMapper&lt;EtlSource, EtlPipeline&gt;
/// {
///     public IEnumerable&lt;EntityKey&gt; Map(EtlSource source) =&gt;
///         pipelines.List(source.Namespace()).Where(p =&gt; p.Spec.Source == source.Name()).Select(EntityKey.Of);
/// }
/// builder.Services.AddKubernetesOperator().AddController&lt;PipelineController, EtlPipeline&gt;()
///     .WatchesRelated&lt;EtlSource, EtlPipeline, SourceToPipelines&gt;();
/// </code></example>
public interface IEntityMapper<in TRelated, TOwner>
    where TRelated : IKubernetesObject<V1ObjectMeta>
    where TOwner : IKubernetesObject<V1ObjectMeta>
{
    IEnumerable<EntityKey> Map(TRelated related);
}
