using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Controllers;
using EtlRouter.Operator.Finalizers;
using EtlRouter.Operator.Router;
using EtlRouter.Operator.Scaling;
using EtlRouter.Operator.Security;
using EtlRouter.OperatorRuntime;
using EtlRouter.OperatorRuntime.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EtlRouter.Operator;

/// <summary>Everything etl-operator runs, registered in one place; tests compose the same thing.</summary>
internal static class EtlOperatorServices
{
    public static IServiceCollection AddEtlOperator(this IServiceCollection services, OperatorSettings operatorSettings, RouterSettings routerSettings)
    {
        services.AddSingleton(routerSettings);
        services.AddSingleton<RouterConnections>();
        services.AddSingleton<RouterIdentitySecrets>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ReferenceResolver>();
        services.AddSingleton<RouterResolver>();
        services.TryAddSingleton<RouterPodAddresses>();
        services.AddSingleton<ScalingRecommendations>();
        services.AddSingleton<WorkloadScaler>();

        services.AddKubernetesOperator(operatorSettings)
            .AddController<EtlPipelineController, EtlPipeline>()
            .AddFinalizer<PipelineRouterFinalizer, EtlPipeline>()
            .WatchesRelated<EtlSource, EtlPipeline, PipelinesReferencing<EtlSource>>()
            .WatchesRelated<EtlTransform, EtlPipeline, PipelinesReferencing<EtlTransform>>()
            .WatchesRelated<EtlSink, EtlPipeline, PipelinesReferencing<EtlSink>>()
            .WatchesRelated<EtlRouterCluster, EtlPipeline, PipelinesOfRouterCluster>()
            .AddController<ServiceEntityController<EtlSource>, EtlSource>()
            .AddController<ServiceEntityController<EtlTransform>, EtlTransform>()
            .AddController<ServiceEntityController<EtlSink>, EtlSink>()
            .AddController<EtlRouterClusterController, EtlRouterCluster>();
        return services;
    }
}
