using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.OperatorRuntime.Reconciliation;
using EtlRouter.OperatorRuntime.Watcher;
using k8s;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace EtlRouter.OperatorRuntime.Builder;

/// <summary>
/// Registration that reads like a sentence, as in KubeOps:
/// <code>
/// services.AddKubernetesOperator(settings)
///     .AddController&lt;EtlPipelineController, EtlPipeline&gt;()
///     .AddFinalizer&lt;PipelineRouterFinalizer, EtlPipeline&gt;()
///     .WatchesRelated&lt;EtlSource, EtlPipeline, PipelinesReferencing&lt;EtlSource&gt;&gt;();
/// </code>
/// </summary>
public static class OperatorBuilder
{
    public static IOperatorBuilder AddController<TController, TEntity>(this IOperatorBuilder builder)
        where TController : class, IEntityController<TEntity>
        where TEntity : IKubernetesObject<V1ObjectMeta>
    {
        builder.AddWatcher<TEntity>();
        builder.Services.TryAddScoped<TController>();
        builder.Services.AddSingleton<IControllerRunner, EntityReconciler<TEntity, TController>>();
        return builder;
    }

    public static IOperatorBuilder AddFinalizer<TFinalizer, TEntity>(this IOperatorBuilder builder)
        where TFinalizer : class, IEntityFinalizer<TEntity>
        where TEntity : IKubernetesObject<V1ObjectMeta>
    {
        builder.Services.TryAddScoped<TFinalizer>();
        builder.Services.AddSingleton(sp =>
        {
            using var scope = sp.CreateScope();
            return new FinalizerRegistration<TEntity>(typeof(TFinalizer), scope.ServiceProvider.GetRequiredService<TFinalizer>().Identifier);
        });
        return builder;
    }

    /// <summary>Reconciles owners of <typeparamref name="TOwner"/> whenever a <typeparamref name="TRelated"/> changes.</summary>
    public static IOperatorBuilder WatchesRelated<TRelated, TOwner, TMapper>(this IOperatorBuilder builder)
        where TRelated : IKubernetesObject<V1ObjectMeta>
        where TOwner : IKubernetesObject<V1ObjectMeta>
        where TMapper : class, IEntityMapper<TRelated, TOwner>
    {
        builder.AddWatcher<TRelated>();
        builder.Services.TryAddSingleton<TMapper>();
        builder.Services.AddSingleton<IRelatedWatch<TOwner>, RelatedWatch<TRelated, TOwner, TMapper>>();
        return builder;
    }

    private static void AddWatcher<TEntity>(this IOperatorBuilder builder)
        where TEntity : IKubernetesObject<V1ObjectMeta>
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(ResourceWatcher<TEntity>)))
            return;
        builder.Services.AddSingleton<EntityCache<TEntity>>();
        builder.Services.AddSingleton<IEntityCache<TEntity>>(sp => sp.GetRequiredService<EntityCache<TEntity>>());
        builder.Services.AddSingleton<ResourceWatcher<TEntity>>();
        builder.Services.AddSingleton<IResourceWatcher>(sp => sp.GetRequiredService<ResourceWatcher<TEntity>>());
    }
}
