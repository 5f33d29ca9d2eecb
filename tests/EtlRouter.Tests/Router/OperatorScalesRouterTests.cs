using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Controllers;
using EtlRouter.Operator.Router;
using EtlRouter.Tests.Support;
using k8s;
using Microsoft.Extensions.DependencyInjection;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Router;

/// <summary>
/// The operator's reconcile scales a real router cluster 3 -> 5 -> 3 while writes run, and nothing acknowledged is
/// lost. The test plays the StatefulSet controller: it starts router processes (which join) for the replicas the
/// operator asks for and stops those it lets go; the operator changes Raft membership through the router's API.
/// </summary>
public sealed class OperatorScalesRouterTests
{
    // Node N of the EtlRouterCluster is the N-th router process (its pod, in a real cluster).
    private sealed class ProcessAddresses(RouterCluster routers) : RouterPodAddresses
    {
        public override string RaftAddress(EtlRouterCluster cluster, int ordinal) =>
            ordinal < routers.Nodes.Count ? routers.Nodes[ordinal].RaftAddress : $"unprepared-{ordinal}:1";
    }

    [Fact]
    public async Task Scaling_the_router_cluster_3_5_3_through_the_operator_loses_no_acknowledged_write()
    {
        await using var routers = await RouterCluster.StartAsync(3);
        routers.PrepareJoiningNode("4");
        routers.PrepareJoiningNode("5");
        await using var h = await StartAsync(startOperator: false);
        await h.StartOperatorAsync("scaler", services =>
        {
            services.AddSingleton(new RouterSettings
            {
                Endpoint = routers.Nodes[0].GrpcAddress,
                ClusterEndpointTemplate = routers.Nodes[0].GrpcAddress,
                CallTimeout = TimeSpan.FromSeconds(10),
                StatusRefresh = TimeSpan.FromSeconds(1),
            }.WithTestTls());
            services.AddSingleton<RouterPodAddresses>(new ProcessAddresses(routers));
        });

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var statefulSetController = Task.Run(() => PlayStatefulSetControllerAsync(h, routers, stop.Token));
        try
        {
            await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" }, Spec = new RouterClusterSpec { Replicas = 3 } });
            var template = KubernetesJson.Serialize((await StatefulSetAsync(h, 3)).Spec.Template);

            var writers = new ClusterWriters(routers, count: 2);
            await using (writers)
            {
                await writers.WaitForMoreAsync(5);
                await h.UpdateAsync<EtlRouterCluster>("etl-router", c => c.Spec.Replicas = 5);
                await MembersAsync(routers, 5);
                await writers.WaitForMoreAsync(5);

                await h.UpdateAsync<EtlRouterCluster>("etl-router", c => c.Spec.Replicas = 3);
                await MembersAsync(routers, 3);
                Assert.Equal(template, KubernetesJson.Serialize((await StatefulSetAsync(h, 3)).Spec.Template));
                await Eventually.WaitUntil(() => !routers.Nodes[3].IsRunning && !routers.Nodes[4].IsRunning, "the pods of nodes 3 and 4 gone", TimeSpan.FromSeconds(30));
                await writers.WaitForMoreAsync(5);
            }

            // Every write acknowledged while the membership changed is on every remaining node.
            await writers.AssertNoneLostAsync();

            var events = await h.EventsFor("etl-router");
            Assert.Equal(2, events.Count(e => e.Reason == "MemberAdded"));
            Assert.Equal(2, events.Count(e => e.Reason == "MemberRemoved"));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(routers.Diagnostics(), e);
        }
        finally
        {
            await stop.CancelAsync();
            await statefulSetController.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    // Starts the processes of the replicas the StatefulSet asks for, stops the rest, and reports them ready.
    private static async Task PlayStatefulSetControllerAsync(OperatorHarness h, RouterCluster routers, CancellationToken token)
    {
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        while (await tick.WaitForNextTickAsync(token))
        {
            k8s.Models.V1StatefulSet sts;
            try
            {
                sts = await h.Client.AppsV1.ReadNamespacedStatefulSetAsync("etl-router", "default", cancellationToken: token);
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                continue;
            }

            var replicas = sts.Spec.Replicas ?? 0;
            for (var ordinal = 3; ordinal < routers.Nodes.Count; ordinal++)
            {
                var node = routers.Nodes[ordinal];
                if (ordinal < replicas && !node.IsRunning) node.Start();
                if (ordinal >= replicas && node.IsRunning) await node.StopAsync();
            }

            var ready = routers.Nodes.Take(replicas).Count(n => n.IsRunning);
            if (sts.Status?.ReadyReplicas == ready && sts.Status.Replicas == replicas) continue;
            sts.Status = new k8s.Models.V1StatefulSetStatus { Replicas = replicas, ReadyReplicas = ready };
            try
            {
                await h.Client.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(sts, "etl-router", "default", cancellationToken: token);
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                // The operator wrote in between; the next tick reads it again.
            }
        }
    }

    private static Task<k8s.Models.V1StatefulSet> StatefulSetAsync(OperatorHarness h, int replicas) =>
        Eventually.WaitFor(async () =>
        {
            try
            {
                var sts = await h.Client.AppsV1.ReadNamespacedStatefulSetAsync("etl-router", "default");
                return sts.Spec.Replicas == replicas ? sts : null;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                return null;
            }
        }, $"the StatefulSet at {replicas} replicas", TimeSpan.FromSeconds(60));

    private static Task<ClusterStatus> MembersAsync(RouterCluster routers, int count) =>
        Eventually.WaitFor(async () =>
        {
            var status = await routers.WaitForLeaderAsync();
            return status.Nodes.Count == count && status.Nodes.All(n => n.Healthy) ? status : null;
        }, $"{count} healthy Raft members", TimeSpan.FromSeconds(90), routers.Diagnostics);
}
