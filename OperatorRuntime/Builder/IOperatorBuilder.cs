using Microsoft.Extensions.DependencyInjection;

namespace EtlRouter.OperatorRuntime.Builder;

/// <summary>Registers controllers, finalizers and related watches; returned by AddKubernetesOperator.</summary>
public interface IOperatorBuilder
{
    IServiceCollection Services { get; }
}
