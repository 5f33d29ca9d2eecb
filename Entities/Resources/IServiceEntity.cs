using EtlRouter.Pipelines.Graph;
using k8s;
using k8s.Models;

namespace EtlRouter.Entities.Resources;

/// <summary>EtlSource, EtlTransform and EtlSink seen alike: a named gRPC service of one kind.</summary>
public interface IServiceEntity : IKubernetesObject<V1ObjectMeta>
{
    ServiceKind ServiceKind { get; }

    ServiceSpec Spec { get; }

    ServiceStatus Status { get; set; }
}
