using EtlRouter.Operator.Runtime.Abstractions;
using EtlRouter.Operator.Runtime.Client;
using EtlRouter.Operator.Runtime.Events;
using EtlRouter.Operator.Runtime.LeaderElection;
using EtlRouter.Operator.Runtime.Metrics;
using EtlRouter.Operator.Runtime.Reconciliation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EtlRouter.Operator.Runtime.Builder;

/// <summary>The entry point: <c>services.AddKubernetesOperator(settings)</c>, then controllers by type.</summary>
public static class OperatorServiceCollectionExtensions
{
    /// <summary>
    /// Adds the runtime. An <see cref="k8s.IKubernetes"/> must be registered (in-cluster config, a kubeconfig,
    /// or a test server).
    /// </summary>
    public static IOperatorBuilder AddKubernetesOperator(this IServiceCollection services, OperatorSettings? settings = null)
    {
        services.TryAddSingleton(settings ?? new OperatorSettings());
        services.AddMetrics();
        services.TryAddSingleton<OperatorMetrics>();
        services.TryAddSingleton<EntityClient>();
        services.TryAddSingleton<ServedApiVersions>();
        services.TryAddSingleton<StatusWriter>();
        services.TryAddSingleton<IEventPublisher, KubernetesEventPublisher>();
        services.AddSingleton<OperatorRuntimeService>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorRuntimeService>());
        return new Builder(services);
    }

    private sealed class Builder(IServiceCollection services) : IOperatorBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
