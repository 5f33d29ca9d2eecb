using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Client;
using EtlRouter.OperatorRuntime.Events;
using EtlRouter.OperatorRuntime.LeaderElection;
using EtlRouter.OperatorRuntime.Metrics;
using EtlRouter.OperatorRuntime.Reconciliation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EtlRouter.OperatorRuntime.Builder;

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
        services.TryAddSingleton<IServedApiVersions, ServedApiVersions>();
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
