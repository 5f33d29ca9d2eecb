using System.Net;
using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Router;
using EtlRouter.OperatorRuntime.Abstractions;
using EtlRouter.Pipelines.Definitions;
using Microsoft.Extensions.Logging;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace EtlRouter.Operator.Scaling;

/// <summary>
/// Scales the workload named by a transform's or sink's spec.scaling from the backlog the router reports for the
/// service (the same figure as the router's etl_router_service_backlog metric): read the workload's replicas and
/// the backlog, decide (<see cref="ScalingDecision"/>), patch spec.replicas when it changes, and say why in
/// status.scaling and an event.
/// </summary>
internal sealed class WorkloadScaler(
    IKubernetes kubernetes,
    RouterConnections router,
    ScalingRecommendations recommendations,
    TimeProvider clock,
    IEventPublisher events,
    ILogger<WorkloadScaler> logger)
{
    /// <summary>A backlog older than this is no figure to scale down on (the senders stopped reporting).</summary>
    public static readonly TimeSpan StaleReport = TimeSpan.FromSeconds(60);

    /// <summary>Brings the workload to the replicas the backlog asks for; returns the status it wrote.</summary>
    public async Task ReconcileAsync(IServiceEntity entity, CancellationToken cancellationToken)
    {
        var uid = entity.Metadata.Uid ?? $"{entity.Metadata.NamespaceProperty}/{entity.Metadata.Name}";
        if (entity.Spec.Scaling is not { Workload.Name: { } name } policy)
        {
            entity.Status.Scaling = null;
            recommendations.Forget(uid);
            return;
        }

        var @namespace = entity.Metadata.NamespaceProperty ?? "default";
        var kind = policy.Workload.EffectiveKind;
        var status = entity.Status.Scaling ??= new ScalingStatus();
        status.Workload = policy.Workload.ToString();

        int current;
        try
        {
            current = await ReadReplicasAsync(kind, name, @namespace, cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.NotFound)
        {
            var reason = $"{kind} {@namespace}/{name} does not exist; create it or fix spec.scaling.workload";
            if (status.Reason != reason) await events.PublishAsync(entity, "WorkloadNotFound", reason, EventType.Warning, cancellationToken);
            status.Reason = reason;
            return;
        }

        var backlog = await router.ControlPlane.GetServiceBacklogAsync(
            new GetServiceBacklogRequest { Kind = PipelineDefinitionBuilder.Kind(entity.ServiceKind), Service = entity.Spec.EffectiveServiceName(entity.Metadata.Name), Namespace = @namespace },
            router.Call(cancellationToken));
        var now = clock.GetUtcNow().UtcDateTime;
        long? figure = backlog.Stages == 0 ? 0
            : backlog.ReportedAt is { } at && now - at.ToDateTime() < StaleReport ? (long)backlog.Backlog
            : null;

        var (recent, since) = recommendations.Read(uid, PolicyKey(policy), now, policy.EffectiveScaleDownDelay);
        var outcome = ScalingDecision.Decide(policy, current, figure, recent, since, now);
        recommendations.Add(uid, now, outcome.Recommended);
        if (outcome.Replicas != current)
        {
            await PatchReplicasAsync(kind, name, @namespace, outcome.Replicas, cancellationToken);
            status.LastScaleTime = now;
            logger.LogInformation("{Kind} {Namespace}/{Name}: {Reason}", kind, @namespace, name, outcome.Reason);
            await events.PublishAsync(entity, outcome.Replicas > current ? "ScaledUp" : "ScaledDown", $"{kind} {name}: {outcome.Reason}", EventType.Normal, cancellationToken);
        }

        status.Replicas = outcome.Replicas;
        status.DesiredReplicas = outcome.Recommended;
        status.Backlog = figure;
        status.ThrottledEdges = (int)backlog.ThrottledEdges;
        status.Reason = outcome.Reason;
    }

    private async Task<int> ReadReplicasAsync(WorkloadKind kind, string name, string @namespace, CancellationToken cancellationToken) => kind switch
    {
        WorkloadKind.StatefulSet => (await kubernetes.AppsV1.ReadNamespacedStatefulSetAsync(name, @namespace, cancellationToken: cancellationToken)).Spec?.Replicas ?? 1,
        _ => (await kubernetes.AppsV1.ReadNamespacedDeploymentAsync(name, @namespace, cancellationToken: cancellationToken)).Spec?.Replicas ?? 1,
    };

    // A merge patch of spec.replicas alone, as `kubectl scale` changes nothing else of the workload.
    private async Task PatchReplicasAsync(WorkloadKind kind, string name, string @namespace, int replicas, CancellationToken cancellationToken)
    {
        var patch = new V1Patch("{\"spec\":{\"replicas\":" + replicas.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}", V1Patch.PatchType.MergePatch);
        if (kind == WorkloadKind.StatefulSet)
            await kubernetes.AppsV1.PatchNamespacedStatefulSetAsync(patch, name, @namespace, cancellationToken: cancellationToken);
        else
            await kubernetes.AppsV1.PatchNamespacedDeploymentAsync(patch, name, @namespace, cancellationToken: cancellationToken);
    }

    private static string PolicyKey(ScalingSpec policy) =>
        $"{policy.Workload}|{policy.EffectiveMinReplicas}|{policy.EffectiveMaxReplicas}|{policy.EffectiveTargetBacklogPerReplica}|{policy.EffectiveScaleDownDelay}";
}
