using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Tests.Support;
using Grpc.Core;
using k8s;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Router;

/// <summary>
/// The operator's reconcilers against a real three-node router cluster (no in-test fake): pipelines pushed
/// through a follower, stages scheduled onto sidecars that registered through the registry API, the
/// finalizer removing the pipeline, the EtlRouterCluster status read from Raft.
/// </summary>
public sealed class OperatorWithRouterTests
{
    [Fact]
    public async Task Reconcilers_drive_the_real_router_from_pending_to_running_and_delete_through_the_finalizer()
    {
        await using var routers = await RouterCluster.StartAsync(3);
        var follower = await routers.FollowerAsync();
        await using var h = await StartAsync(routerAddress: follower.GrpcAddress);

        await h.CreateAsync(Source("kafka-users"));
        await h.CreateAsync(Transform("mask-pii"));
        await h.CreateAsync(Sink("clickhouse-analytics"));
        await h.CreateAsync(Linear("user-analytics", "kafka-users", ["mask-pii"], "clickhouse-analytics"));

        var pending = await h.WaitForReadyReason("user-analytics", ConditionReasons.StagesPending);
        Assert.Equal("0/3", pending.Status.StagesReady);
        var stored = await follower.ControlPlane.GetPipelineAsync(new GetPipelineRequest { Ref = new PipelineRef { Namespace = "default", Name = "user-analytics" } });
        Assert.Equal(1, stored.Definition.Generation);
        Assert.Equal(["kafka-users", "mask-pii", "clickhouse-analytics"], stored.Definition.Stages.Select(s => s.Service));

        // Sidecars register what they found; the router schedules and the operator reports where stages run.
        await routers.Nodes[2].Registry.RegisterAsync(RouterTestData.Sidecar("users-pod", (StageKind.Source, "kafka-users")));
        await routers.Nodes[1].Registry.RegisterAsync(RouterTestData.Sidecar("pii-pod", (StageKind.Transform, "mask-pii"), (StageKind.Sink, "clickhouse-analytics")));
        var running = await h.WaitForReadyReason("user-analytics", ConditionReasons.Running);
        Assert.Equal("3/3", running.Status.StagesReady);
        Assert.Equal(["default/users-pod", "default/pii-pod", "default/pii-pod"], running.Status.Stages.Select(s => s.Assignments.Single().Pod));

        var transform = await Eventually.WaitFor(async () =>
        {
            var t = await h.Entities.GetAsync<EtlTransform>("default", "mask-pii");
            return t?.Status.IsTrue(ConditionTypes.Ready) == true ? t : null;
        }, "the transform Ready because a sidecar serves it");
        Assert.Equal("default/pii-pod", transform.Status.Endpoints.Single().Pod);

        await h.Entities.DeleteAsync<EtlPipeline>("default", "user-analytics");
        await Eventually.WaitUntil(async () => await h.Entities.GetAsync<EtlPipeline>("default", "user-analytics") is null, "the pipeline gone");
        var gone = await Assert.ThrowsAsync<RpcException>(async () =>
            await routers.Nodes[0].ControlPlane.GetPipelineAsync(
                new GetPipelineRequest { Ref = new PipelineRef { Namespace = "default", Name = "user-analytics" } },
                new Metadata { { EtlRouter.Contracts.RouterHeaders.MinIndex, (await routers.LeaderCommitIndexAsync()).ToString(System.Globalization.CultureInfo.InvariantCulture) } }));
        Assert.Equal(StatusCode.NotFound, gone.StatusCode);

        // The EtlRouterCluster's status comes from the router's Raft state.
        await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" } });
        var sts = await Eventually.WaitFor(async () => (await h.Client.AppsV1.ListNamespacedStatefulSetAsync("default")).Items.FirstOrDefault(), "the StatefulSet");
        sts.Status = new k8s.Models.V1StatefulSetStatus { Replicas = 3, ReadyReplicas = 3 };
        await h.Client.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(sts, "etl-router", "default");
        var leader = await routers.WaitForLeaderAsync();
        var cluster = await Eventually.WaitFor(async () =>
        {
            var c = await h.Entities.GetAsync<EtlRouterCluster>("default", "etl-router");
            return c?.Status.IsTrue(ConditionTypes.Ready) == true ? c : null;
        }, "the router cluster Ready");
        Assert.Equal(leader.LeaderId, cluster.Status.Leader);
        Assert.True(cluster.Status.Term >= 1);
    }
}
