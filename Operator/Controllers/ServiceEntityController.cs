using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Entities.Validation;
using EtlRouter.Operator.Router;
using EtlRouter.Operator.Scaling;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.Pipelines.Definitions;
using Grpc.Core;

namespace EtlRouter.Operator.Controllers;

/// <summary>
/// Reconciles EtlSource, EtlTransform and EtlSink alike: validate, then report Ready when a sidecar serves
/// the service (or an explicit endpoint is set), with the pods that serve it; with spec.scaling, scale the
/// workload that serves it from its backlog (<see cref="WorkloadScaler"/>).
/// </summary>
[EntityRbac(typeof(EtlSource), typeof(EtlTransform), typeof(EtlSink), Verbs = RbacVerb.Get | RbacVerb.List | RbacVerb.Watch)]
[GenericRbac(Groups = ["etl.router"], Resources = ["etlsources/status", "etltransforms/status", "etlsinks/status"], Verbs = RbacVerb.Get | RbacVerb.Update | RbacVerb.Patch)]
[GenericRbac(Groups = ["apps"], Resources = ["deployments", "statefulsets"], Verbs = RbacVerb.Get | RbacVerb.Patch)]
internal sealed class ServiceEntityController<TService>(RouterConnections router, WorkloadScaler scaler, IEventPublisher events) : IEntityController<TService>
    where TService : IServiceEntity
{
    public async Task<ReconciliationResult<TService>> ReconcileAsync(TService entity, CancellationToken cancellationToken)
    {
        var status = entity.Status;
        var generation = entity.Metadata.Generation;
        // Copied, not referenced: setting the condition later changes it in place.
        var before = status.Find(ConditionTypes.Ready)?.Reason;
        status.ObservedGeneration = generation;
        var serviceName = entity.Spec.EffectiveServiceName(entity.Metadata.Name);
        status.ServiceName = serviceName;

        var issues = EntityValidator.Validate(entity);
        if (issues.Count > 0)
        {
            status.Set(ConditionTypes.Ready, false, ConditionReasons.InvalidSpec, string.Join("; ", issues), generation);
            await AnnounceAsync(entity, before, EventType.Warning, cancellationToken);
            return ReconciliationResult<TService>.Success(entity);
        }

        try
        {
            await scaler.ReconcileAsync(entity, cancellationToken);
            if (entity.Spec.Grpc?.Endpoint is { } endpoint)
            {
                status.Endpoints = [new ServiceEndpointStatus { Address = endpoint }];
                status.SidecarCount = 0;
                status.Set(ConditionTypes.Ready, true, ConditionReasons.EndpointConfigured, $"called at {endpoint}", generation);
                await AnnounceAsync(entity, before, EventType.Normal, cancellationToken);
                return ReconciliationResult<TService>.Success(entity, Refresh(entity));
            }

            var found = await router.ControlPlane.ListServiceEndpointsAsync(
                // Only sidecars of the entity's namespace: they are the ones its namespace's pipelines may run on.
                new ListServiceEndpointsRequest { Kind = PipelineDefinitionBuilder.Kind(entity.ServiceKind), Service = serviceName, Namespace = entity.Metadata.NamespaceProperty ?? "default" },
                router.Call(cancellationToken));
            status.Endpoints = found.Endpoints.Select(e => new ServiceEndpointStatus { SidecarId = e.SidecarId, Pod = e.Pod, Address = e.Address }).ToList();
            status.SidecarCount = found.Endpoints.Count;
            if (found.Endpoints.Count > 0)
                status.Set(ConditionTypes.Ready, true, ConditionReasons.Served, $"served by {found.Endpoints.Count} sidecar(s): {string.Join(", ", found.Endpoints.Select(e => string.IsNullOrEmpty(e.Pod) ? e.SidecarId : e.Pod))}", generation);
            else
                status.Set(ConditionTypes.Ready, false, ConditionReasons.NoSidecar, $"no sidecar serves {entity.ServiceKind.ToString().ToLowerInvariant()} '{serviceName}'; annotate the pod that runs it with etl.router/inject: \"true\"", generation);
            await AnnounceAsync(entity, before, EventType.Normal, cancellationToken);
            return ReconciliationResult<TService>.Success(entity, Refresh(entity));
        }
        catch (RpcException e) when (RouterConnections.IsUnavailable(e))
        {
            if (entity.Status.Scaling is { } scaling) scaling.Reason = $"the router did not answer ({e.StatusCode}); replicas left as they are";
            status.Set(ConditionTypes.Ready, ConditionList.Unknown, ConditionReasons.RouterUnavailable, $"the router at {router.Settings.DefaultEndpoint} did not answer ({e.StatusCode})", generation);
            await AnnounceAsync(entity, before, EventType.Warning, cancellationToken);
            return ReconciliationResult<TService>.Failure(entity, $"router unavailable: {e.Status.Detail}", e);
        }
    }

    // A scaled service is looked at as often as its backlog may change; others as often as sidecars come and go.
    private TimeSpan Refresh(TService entity) =>
        entity.Spec.Scaling is null ? router.Settings.StatusRefresh : TimeSpan.FromTicks(Math.Min(router.Settings.StatusRefresh.Ticks, router.Settings.ScalingRefresh.Ticks));

    private async Task AnnounceAsync(TService entity, string? before, EventType type, CancellationToken cancellationToken)
    {
        var after = entity.Status.Find(ConditionTypes.Ready);
        if (after is null || before == after.Reason)
            return;
        await events.PublishAsync(entity, after.Reason, after.Message, type, cancellationToken);
    }
}
