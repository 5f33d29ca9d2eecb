using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Router;
using EtlRouter.OperatorRuntime.Abstractions;
using Grpc.Core;

namespace EtlRouter.Operator.Finalizers;

/// <summary>
/// Removes a deleted pipeline from the router before Kubernetes forgets it, so no sidecar keeps running its
/// stages. While the router is unreachable the object stays (Terminating) and the removal is retried; an
/// administrator who has given up on the router can remove the finalizer by hand.
/// </summary>
public sealed class PipelineRouterFinalizer(RouterResolver routers, RouterConnections router, IEventPublisher events) : IEntityFinalizer<EtlPipeline>
{
    public const string Name = "etl.router/router-cleanup";

    public string Identifier => Name;

    public async Task<ReconciliationResult<EtlPipeline>> FinalizeAsync(EtlPipeline pipeline, CancellationToken cancellationToken)
    {
        var reference = new PipelineRef { Namespace = pipeline.Metadata.NamespaceProperty ?? "default", Name = pipeline.Metadata.Name };
        var choice = routers.Resolve(pipeline);
        if (choice.Endpoint is null)
        {
            // Its router cluster is gone (or never was): nothing runs the pipeline, so there is nothing to remove.
            await events.PublishAsync(pipeline, "Removed", $"Router cluster {choice.Cluster} does not exist; nothing to remove", EventType.Normal, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Success(pipeline);
        }

        try
        {
            var deleted = await router.For(choice.Endpoint).DeletePipelineAsync(new DeletePipelineRequest { Ref = reference }, router.Call(cancellationToken));
            await events.PublishAsync(pipeline, "Removed", deleted.Existed ? "Removed from the router; its stages stop" : "The router did not hold the pipeline", EventType.Normal, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Success(pipeline);
        }
        catch (RpcException e) when (RouterConnections.IsUnavailable(e))
        {
            await events.PublishAsync(pipeline, "RouterUnavailable", $"Cannot remove the pipeline from router cluster {choice.Cluster} at {choice.Endpoint} ({e.StatusCode}); retrying", EventType.Warning, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Failure(pipeline, $"router unavailable: {e.Status.Detail}", e);
        }
    }
}
