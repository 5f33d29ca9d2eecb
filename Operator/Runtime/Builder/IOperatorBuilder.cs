using Microsoft.Extensions.DependencyInjection;

namespace EtlRouter.Operator.Runtime.Builder;

/// <summary>Registers controllers, finalizers and related watches; returned by AddKubernetesOperator.</summary>
public interface IOperatorBuilder
{
    IServiceCollection Services { get; }
}
