using EtlRouter.Contracts.V1;
using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Tests.Support;
using k8s;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Controllers;

public sealed class ServiceAndClusterReconcilerTests
{
    [Fact]
    public async Task A_source_is_ready_once_a_sidecar_serves_it_and_lists_the_pods()
    {
        await using var h = await StartAsync();
        await h.CreateAsync(Source("orders"));
        var waiting = await Eventually.WaitFor(async () =>
        {
            var s = await h.Entities.GetAsync<EtlSource>("default", "orders");
            return s?.Status.Find(ConditionTypes.Ready)?.Reason == ConditionReasons.NoSidecar ? s : null;
        }, "NoSidecar");
        Assert.Contains("etl.router/inject", waiting.Status.Find(ConditionTypes.Ready)!.Message);

        h.Router.Serve(StageKind.Source, "orders", "sc-9", "orders-7f9c");
        // The refresh is 30s; a spec change wakes it now (level-triggered: it reads the router afresh).
        await h.UpdateAsync<EtlSource>("orders", source => source.Spec.Options = new Dictionary<string, string> { ["topic"] = "orders" });

        var ready = await Eventually.WaitFor(async () =>
        {
            var s = await h.Entities.GetAsync<EtlSource>("default", "orders");
            return s?.Status.IsTrue(ConditionTypes.Ready) == true ? s : null;
        }, "Ready");
        Assert.Equal(1, ready.Status.SidecarCount);
        Assert.Equal("orders-7f9c", ready.Status.Endpoints.Single().Pod);
        Assert.Equal(2, ready.Status.ObservedGeneration);
    }

    [Fact]
    public async Task A_router_cluster_gets_its_statefulset_services_and_budget_owned_by_it()
    {
        await using var h = await StartAsync();
        var cluster = await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" }, Spec = new RouterClusterSpec { Replicas = 3 } });

        var sts = await Eventually.WaitFor(async () =>
        {
            try { return await h.Client.AppsV1.ReadNamespacedStatefulSetAsync("etl-router", "default"); }
            catch { return null; }
        }, "the StatefulSet");
        Assert.Equal(3, sts.Spec.Replicas);
        Assert.Equal("etl-router-raft", sts.Spec.ServiceName);
        Assert.Equal("Parallel", sts.Spec.PodManagementPolicy);
        var env = sts.Spec.Template.Spec.Containers.Single().Env.ToDictionary(e => e.Name);
        Assert.Equal("0=etl-router-0.etl-router-raft.default.svc:7000,1=etl-router-1.etl-router-raft.default.svc:7000,2=etl-router-2.etl-router-raft.default.svc:7000", env["RAFT_PEERS"].Value);
        Assert.Equal("0", env["DOTNET_ReadyToRun"].Value);
        Assert.Equal(cluster.Metadata.Uid, sts.Metadata.OwnerReferences.Single().Uid);
        Assert.Equal("data", sts.Spec.VolumeClaimTemplates.Single().Metadata.Name);

        var headless = await h.Client.CoreV1.ReadNamespacedServiceAsync("etl-router-raft", "default");
        Assert.Equal("None", headless.Spec.ClusterIP);
        Assert.True(headless.Spec.PublishNotReadyAddresses);
        var pdb = await h.Client.PolicyV1.ReadNamespacedPodDisruptionBudgetAsync("etl-router", "default");
        Assert.Equal(2, pdb.Spec.MinAvailable.Value is string s ? int.Parse(s) : Convert.ToInt32(pdb.Spec.MinAvailable.Value));

        // The StatefulSet controller would report ready pods; here the test plays it.
        sts.Status = new k8s.Models.V1StatefulSetStatus { Replicas = 3, ReadyReplicas = 3 };
        await h.Client.AppsV1.ReplaceNamespacedStatefulSetStatusAsync(sts, "etl-router", "default");
        await h.UpdateAsync<EtlRouterCluster>("etl-router", cluster => cluster.Spec.Image = "etl-router:dev");

        var ready = await Eventually.WaitFor(async () =>
        {
            var c = await h.Entities.GetAsync<EtlRouterCluster>("default", "etl-router");
            return c?.Status.IsTrue(ConditionTypes.Ready) == true ? c : null;
        }, "the cluster Ready");
        Assert.Equal("0", ready.Status.Leader);
        Assert.Equal(3, ready.Status.Term);
        Assert.Equal(42, ready.Status.CommitIndex);
        Assert.Equal(3, ready.Status.ReadyReplicas);
        Assert.Equal("etl-router:dev", (await h.Client.AppsV1.ReadNamespacedStatefulSetAsync("etl-router", "default")).Spec.Template.Spec.Containers.Single().Image);

        // Deleting the cluster removes what it owns.
        await h.Entities.DeleteAsync<EtlRouterCluster>("default", "etl-router");
        await Eventually.WaitUntil(async () => (await h.Client.AppsV1.ListNamespacedStatefulSetAsync("default")).Items.Count == 0
            && (await h.Client.CoreV1.ListNamespacedServiceAsync("default")).Items.Count == 0, "owned objects to be collected");
    }
}
