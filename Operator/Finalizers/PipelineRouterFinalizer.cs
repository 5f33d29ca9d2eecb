using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Router;
using EtlRouter.OperatorRuntime.Abstractions;
using Grpc.Core;

namespace EtlRouter.Operator.Finalizers;

/// <summary>
/// Drains a deleted pipeline, then removes it from the router before Kubernetes forgets it. Draining stops its
/// sources taking new records and waits, up to <c>spec.lifecycle.deletionGracePeriodSeconds</c>, until every
/// record they handed over is delivered or dead-lettered, so a deletion loses nothing that was taken. While the
/// router is unreachable the object stays (Terminating) and the finalizer retries; an administrator who has
/// given up on the router can remove the finalizer by hand.
/// </summary>
internal sealed class PipelineRouterFinalizer(RouterResolver routers, RouterConnections router, IEventPublisher events, ILogger<PipelineRouterFinalizer> logger) : IEntityFinalizer<EtlPipeline>
{
    public const string Name = "etl.router/router-cleanup";

    /// <summary>How often a draining pipeline is looked at again.</summary>
    public static readonly TimeSpan DrainPollInterval = TimeSpan.FromSeconds(1);

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
            var client = router.For(choice.Endpoint);
            if (await DrainAsync(client, pipeline, reference, cancellationToken) is { } waiting) return waiting;
            var deleted = await client.DeletePipelineAsync(new DeletePipelineRequest { Ref = reference }, router.Call(cancellationToken));
            await events.PublishAsync(pipeline, "Removed", deleted.Existed ? "Removed from the router; its stages stop" : "The router did not hold the pipeline", EventType.Normal, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Success(pipeline);
        }
        catch (RpcException e) when (RouterConnections.IsUnavailable(e))
        {
            await events.PublishAsync(pipeline, "RouterUnavailable", $"Cannot remove the pipeline from router cluster {choice.Cluster} at {choice.Endpoint} ({e.StatusCode}); retrying", EventType.Warning, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Failure(pipeline, $"router unavailable: {e.Status.Detail}", e);
        }
    }

    /// <summary>
    /// Null when the pipeline may be removed now (drained, nothing to drain, or the grace period is over);
    /// otherwise the result that looks again shortly. The drain's start is the router's, so an operator that
    /// restarts (or a new leader) keeps counting from the same moment.
    /// </summary>
    private async Task<ReconciliationResult<EtlPipeline>?> DrainAsync(ControlPlane.ControlPlaneClient client, EtlPipeline pipeline, PipelineRef reference, CancellationToken cancellationToken)
    {
        var grace = (pipeline.Spec.Lifecycle ?? new LifecycleSpec()).DeletionGracePeriod;
        if (grace <= TimeSpan.Zero) return null;

        DrainPipelineResponse drain;
        try
        {
            drain = await client.DrainPipelineAsync(new DrainPipelineRequest { Ref = reference }, router.Call(cancellationToken));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
        {
            // A router older than draining (mid-upgrade): remove at once, as it always did.
            await events.PublishAsync(pipeline, "DrainUnsupported", "The router cannot drain pipelines (an older version); removing without draining", EventType.Warning, cancellationToken);
            return null;
        }

        if (!drain.Existed) return null;
        if (drain.Drained)
        {
            await events.PublishAsync(pipeline, "Drained", "Every record its sources handed over was delivered or dead-lettered", EventType.Normal, cancellationToken);
            return null;
        }

        var waitingFor = string.Join("; ", drain.WaitingFor);
        var since = drain.DrainingSince?.ToDateTime() ?? DateTime.UtcNow;
        if (DateTime.UtcNow - since >= grace)
        {
            await events.PublishAsync(pipeline, "DrainTimedOut",
                $"Not drained within spec.lifecycle.deletionGracePeriodSeconds ({grace.TotalSeconds:0}s); removing it anyway. {drain.InFlight} records in flight stay unacknowledged at their source, which sends them again if the pipeline returns ({waitingFor})",
                EventType.Warning, cancellationToken);
            return null;
        }

        // One event, counted up while it lasts; the figures go to the log so the event does not repeat per poll.
        await events.PublishAsync(pipeline, "Draining",
            $"Its sources take no new records; removal waits until what they handed over is delivered or dead-lettered (at most {grace.TotalSeconds:0}s)",
            EventType.Normal, cancellationToken);
        logger.LogInformation("Pipeline {Namespace}/{Name} draining: {InFlight} records in flight; waiting for {WaitingFor}", reference.Namespace, reference.Name, drain.InFlight, waitingFor);
        return ReconciliationResult<EtlPipeline>.Failure(pipeline, $"draining: {drain.InFlight} records in flight", requeueAfter: DrainPollInterval);
    }
}
