using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Graph;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;
using EtlRouter.Operator.Router;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.Pipelines.Graph;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace EtlRouter.Operator.Controllers;

/// <summary>
/// Reconciles an EtlPipeline: validate, compile the DAG, resolve its services, push the definition to the
/// router, and report what the router made of it. Fetch, decide, act, report.
/// </summary>
[EntityRbac(typeof(EtlPipeline), Verbs = RbacVerb.Get | RbacVerb.List | RbacVerb.Watch | RbacVerb.Update | RbacVerb.Patch)]
[GenericRbac(Groups = ["etl.router"], Resources = ["etlpipelines/status"], Verbs = RbacVerb.Get | RbacVerb.Update | RbacVerb.Patch)]
[GenericRbac(Groups = [""], Resources = ["events"], Verbs = RbacVerb.Create | RbacVerb.Patch | RbacVerb.Get)]
internal sealed class EtlPipelineController(
    ReferenceResolver references,
    RouterResolver routers,
    RouterConnections router,
    IEventPublisher events,
    ILogger<EtlPipelineController> logger) : IEntityController<EtlPipeline>
{
    /// <summary>How often a running pipeline's counts are refreshed.</summary>
    public static readonly TimeSpan RunningRefresh = TimeSpan.FromSeconds(30);

    /// <summary>How often a pipeline waiting for sidecars is looked at again.</summary>
    public static readonly TimeSpan PendingRefresh = TimeSpan.FromSeconds(5);

    public async Task<ReconciliationResult<EtlPipeline>> ReconcileAsync(EtlPipeline pipeline, CancellationToken cancellationToken)
    {
        var status = pipeline.Status;
        var generation = pipeline.Metadata.Generation;
        var readyBefore = status.Find(ConditionTypes.Ready) is { } ready ? (ready.Reason, ready.Message) : default;
        var namespaceName = pipeline.Metadata.NamespaceProperty ?? "default";

        var issues = EntityValidator.Validate(pipeline);
        var compilation = PipelineGraphCompiler.Compile(pipeline.Spec.ToForm());
        if (issues.Count > 0 || compilation.Graph is null)
        {
            var reason = compilation.Graph is null ? ConditionReasons.InvalidGraph : ConditionReasons.InvalidSpec;
            Report(status, generation, ready: false, reason, string.Join("; ", issues.Select(i => i.ToString())), degraded: true, progressing: false);
            await AnnounceAsync(pipeline, readyBefore, EventType.Warning, cancellationToken);

            // Nothing changes until the spec does; the next generation wakes us.
            return ReconciliationResult<EtlPipeline>.Success(pipeline);
        }

        var (services, missing) = references.Resolve(namespaceName, compilation.Graph);
        if (missing.Count > 0)
        {
            Report(status, generation, ready: false, ConditionReasons.ReferenceNotFound, string.Join("; ", missing.Select(m => m.ToString())), degraded: true, progressing: false);
            await AnnounceAsync(pipeline, readyBefore, EventType.Warning, cancellationToken);

            // The referenced kinds are watched: creating the missing one reconciles this pipeline again.
            return ReconciliationResult<EtlPipeline>.Success(pipeline);
        }

        var choice = routers.Resolve(pipeline);
        if (choice.Endpoint is null)
        {
            Report(status, generation, ready: false, ConditionReasons.RouterClusterNotFound, choice.Problem!, degraded: true, progressing: false);
            await AnnounceAsync(pipeline, readyBefore, EventType.Warning, cancellationToken);

            // EtlRouterClusters are watched: the one it names appearing reconciles this pipeline again.
            return ReconciliationResult<EtlPipeline>.Success(pipeline);
        }

        var controlPlane = router.For(choice.Endpoint);
        var definition = EntityPipelineDefinition.Build(pipeline, compilation.Graph, services);
        PipelineState state;
        try
        {
            var applied = await controlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = definition }, router.Call(cancellationToken));
            if (applied.Outcome is ApplyOutcome.Created or ApplyOutcome.Updated)
            {
                logger.LogInformation("Pushed {Pipeline} generation {Generation} to router cluster {Cluster} ({Outcome})", definition.Ref, generation, choice.Cluster, applied.Outcome);
                await events.PublishAsync(pipeline, "Applied", $"Pushed generation {generation} to router cluster {choice.Cluster} ({applied.Outcome.ToString().ToLowerInvariant()}, commit index {applied.CommitIndex})", EventType.Normal, cancellationToken);
            }

            // Read our own write even when the answering router node is a follower that has not applied it yet.
            var read = router.Call(cancellationToken);
            if (applied.CommitIndex > 0)
                read = read.WithHeaders(new Metadata { { EtlRouter.Contracts.RouterHeaders.MinIndex, applied.CommitIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) } });
            state = await controlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = definition.Ref }, read);
        }
        catch (RpcException e) when (RouterConnections.IsUnavailable(e))
        {
            Report(status, generation, ready: false, ConditionReasons.RouterUnavailable, $"router cluster {choice.Cluster} at {choice.Endpoint} did not answer ({e.StatusCode}: {e.Status.Detail}); retrying with backoff", degraded: true, progressing: true);
            await AnnounceAsync(pipeline, readyBefore, EventType.Warning, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Failure(pipeline, $"router unavailable: {e.Status.Detail}", e);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
        {
            Report(status, generation, ready: false, ConditionReasons.InvalidSpec, $"the router refused the pipeline: {e.Status.Detail}", degraded: true, progressing: false);
            await AnnounceAsync(pipeline, readyBefore, EventType.Warning, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Success(pipeline);
        }

        ObserveState(status, state);
        var pending = state.Stages.Where(s => s.Assignments.Count == 0).Select(s => s.Name).ToList();
        if (pending.Count == 0)
        {
            var sidecars = state.Stages.SelectMany(s => s.Assignments).Select(a => a.SidecarId).Distinct().Count();
            Report(status, generation, ready: true, ConditionReasons.Running, $"all {state.Stages.Count} stages run on {sidecars} sidecar(s)", degraded: false, progressing: false);
            await AnnounceAsync(pipeline, readyBefore, EventType.Normal, cancellationToken);
            return ReconciliationResult<EtlPipeline>.Success(pipeline, RunningRefresh);
        }

        Report(status, generation, ready: false, ConditionReasons.StagesPending, $"waiting for a sidecar to serve stage(s) {string.Join(", ", pending)}", degraded: false, progressing: true);
        await AnnounceAsync(pipeline, readyBefore, EventType.Normal, cancellationToken);
        return ReconciliationResult<EtlPipeline>.Success(pipeline, PendingRefresh);
    }

    private static void ObserveState(PipelineStatus status, PipelineState state)
    {
        status.Stages = state.Stages.Select(s => new PipelineStageStatus
        {
            Name = s.Name,
            Kind = s.Kind switch { StageKind.Source => "Source", StageKind.Transform => "Transform", _ => "Sink" },
            Service = s.Service,
            Assignments = s.Assignments.Select(a => new ServiceEndpointStatus { SidecarId = a.SidecarId, Pod = a.Pod, Address = a.Address }).ToList(),
        }).ToList();
        status.StagesReady = $"{state.Stages.Count(s => s.Assignments.Count > 0)}/{state.Stages.Count}";
        status.RecordsIn = (long)state.RecordsIn;
        status.RecordsOut = (long)state.RecordsOut;
        status.DlqCount = (long)state.DeadLetters;
    }

    private static void Report(PipelineStatus status, long? generation, bool ready, string reason, string message, bool degraded, bool progressing)
    {
        status.ObservedGeneration = generation;
        status.Set(ConditionTypes.Ready, ready, reason, message, generation);
        status.Set(ConditionTypes.Progressing, progressing, progressing ? reason : ready ? ConditionReasons.Running : reason, message, generation);
        status.Set(ConditionTypes.Degraded, degraded, degraded ? reason : ConditionReasons.AsExpected, degraded ? message : "no problems", generation);
        if (!ready && reason != ConditionReasons.StagesPending && reason != ConditionReasons.RouterUnavailable)
        {
            status.Stages.Clear();
            status.StagesReady = null;
        }
    }

    // One event per change of the Ready reason, so `kubectl describe` tells the story without noise.
    private async Task AnnounceAsync(EtlPipeline pipeline, (string? Reason, string? Message) before, EventType type, CancellationToken cancellationToken)
    {
        var after = pipeline.Status.Find(ConditionTypes.Ready);
        if (after is null || (before.Reason == after.Reason && before.Message == after.Message))
            return;
        await events.PublishAsync(pipeline, after.Reason, after.Message, type, cancellationToken);
    }
}
