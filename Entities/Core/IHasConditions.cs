using k8s.Models;

namespace EtlRouter.Entities.Core;

/// <summary>A status that carries Kubernetes conditions and the generation they describe.</summary>
public interface IHasConditions
{
    IList<V1Condition> Conditions { get; set; }

    long? ObservedGeneration { get; set; }
}
