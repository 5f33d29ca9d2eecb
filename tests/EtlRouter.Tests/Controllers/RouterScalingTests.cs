using EtlRouter.Entities.Core;
using EtlRouter.Entities.Resources;
using EtlRouter.Operator.Controllers;
using EtlRouter.Tests.Support;
using k8s;
using k8s.Models;
using Xunit;
using static EtlRouter.Tests.Support.OperatorHarness;

namespace EtlRouter.Tests.Controllers;

/// <summary>
/// Scaling an EtlRouterCluster changes Raft membership through the router's API one node at a time and never the
/// pod template (so no node restarts): 3 -> 5 adds nodes 3 and 4 after their pods exist; 5 -> 3 removes 4 and 3 from
/// the group before their pods go. The in-test router plays the Raft group.
/// </summary>
public sealed class RouterScalingTests
{
    [Fact]
    public void The_plan_grows_pods_first_then_members_and_shrinks_members_first_then_pods()
    {
        HashSet<int> Members(params int[] ids) => [.. ids];

        Assert.Equal(new RouterMembershipPlan(3, null, null), RouterMembershipPlan.Next(3, null, null));
        Assert.Equal(new RouterMembershipPlan(3, null, null), RouterMembershipPlan.Next(5, 3, null));
        Assert.Equal(new RouterMembershipPlan(5, null, null), RouterMembershipPlan.Next(5, 3, Members(0, 1, 2)));
        Assert.Equal(new RouterMembershipPlan(5, 3, null), RouterMembershipPlan.Next(5, 5, Members(0, 1, 2)));
        Assert.Equal(new RouterMembershipPlan(5, 4, null), RouterMembershipPlan.Next(5, 5, Members(0, 1, 2, 3)));
        Assert.Equal(new RouterMembershipPlan(5, null, null), RouterMembershipPlan.Next(5, 5, Members(0, 1, 2, 3, 4)));
        Assert.Equal(new RouterMembershipPlan(5, null, 4), RouterMembershipPlan.Next(3, 5, Members(0, 1, 2, 3, 4)));
        Assert.Equal(new RouterMembershipPlan(5, null, 3), RouterMembershipPlan.Next(3, 5, Members(0, 1, 2, 3)));
        Assert.Equal(new RouterMembershipPlan(3, null, null), RouterMembershipPlan.Next(3, 5, Members(0, 1, 2)));
    }

    [Fact]
    public async Task Three_to_five_and_back_to_three_changes_membership_one_node_at_a_time_without_touching_the_pod_template()
    {
        await using var h = await StartAsync();
        h.Router.HaveMembers(0, 1, 2);
        await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" }, Spec = new RouterClusterSpec { Replicas = 3 } });
        var created = await StatefulSetAsync(h, s => s.Spec.Replicas == 3);
        var template = KubernetesJson.Serialize(created.Spec.Template);

        await h.UpdateAsync<EtlRouterCluster>("etl-router", c => c.Spec.Replicas = 5);
        await Eventually.WaitUntil(() => h.Router.Cluster.Nodes.Count == 5, "nodes 3 and 4 added to the Raft group", TimeSpan.FromSeconds(30));
        Assert.Equal(["add etl-router-3.etl-router-raft.default.svc:7000", "add etl-router-4.etl-router-raft.default.svc:7000"], h.Router.MembershipCalls);
        var grown = await StatefulSetAsync(h, s => s.Spec.Replicas == 5);
        Assert.Equal(template, KubernetesJson.Serialize(grown.Spec.Template));
        await Eventually.WaitUntil(async () => (await h.EventsFor("etl-router")).Count(e => e.Reason == "MemberAdded") == 2, "two MemberAdded events");

        // Node 3 is held back: node 4 leaves first, and while 3 is still a member the pods stay.
        h.Router.AllowRemove = address => !address.StartsWith("etl-router-3.", StringComparison.Ordinal);
        await h.UpdateAsync<EtlRouterCluster>("etl-router", c => c.Spec.Replicas = 3);
        await Eventually.WaitUntil(() => h.Router.MembershipCalls.Count(c => c.StartsWith("remove-refused etl-router-3.", StringComparison.Ordinal)) >= 2, "two refused attempts to remove node 3", TimeSpan.FromSeconds(30));
        Assert.Equal(5, (await StatefulSetAsync(h, _ => true)).Spec.Replicas);
        var scaling = await h.Entities.GetAsync<EtlRouterCluster>("default", "etl-router");
        Assert.Equal(ConditionReasons.Scaling, scaling!.Status.Find(ConditionTypes.Ready)!.Reason);
        Assert.Contains("removing node 3", scaling.Status.Find(ConditionTypes.Ready)!.Message, StringComparison.Ordinal);

        h.Router.AllowRemove = _ => true;
        var shrunk = await StatefulSetAsync(h, s => s.Spec.Replicas == 3);
        Assert.Equal(["0", "1", "2"], h.Router.Cluster.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal));
        Assert.Equal(
            ["remove etl-router-4.etl-router-raft.default.svc:7000", "remove etl-router-3.etl-router-raft.default.svc:7000"],
            h.Router.MembershipCalls.Where(c => c.StartsWith("remove ", StringComparison.Ordinal)));
        Assert.Equal(template, KubernetesJson.Serialize(shrunk.Spec.Template));
    }

    [Fact]
    public async Task A_router_node_that_lost_its_data_degrades_the_cluster_with_a_warning_event_naming_it()
    {
        await using var h = await StartAsync();
        h.Router.HaveMembers(0, 1, 2);
        h.Router.Cluster.Nodes[2].Healthy = false;
        h.Router.Cluster.Nodes[2].HaltedReason = "lost its data: its data in /var/lib/etl-router cannot be opened (InternalException: WAL page 1 doesn't exist on the disk); it is set aside";
        await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" }, Spec = new RouterClusterSpec { Replicas = 3 } });

        var degraded = await Eventually.WaitFor(async () =>
            (await h.Entities.GetAsync<EtlRouterCluster>("default", "etl-router"))?.Status.Find(ConditionTypes.Degraded) is { Status: ConditionList.True } condition ? condition : null,
            "the cluster Degraded with NodeHalted", TimeSpan.FromSeconds(30));
        Assert.Equal(ConditionReasons.NodeHalted, degraded.Reason);
        Assert.StartsWith("router node 2 lost its data: its data in /var/lib/etl-router cannot be opened", degraded.Message, StringComparison.Ordinal);
        await Eventually.WaitUntil(async () => (await h.EventsFor("etl-router")).Any(e => e.Reason == ConditionReasons.NodeHalted && e.Type == "Warning" && e.Message.StartsWith("router node 2 lost its data", StringComparison.Ordinal)),
            "a NodeHalted warning event");

        // Rejoined: the condition clears.
        h.Router.HaveMembers(0, 1, 2);
        await Eventually.WaitUntil(async () => (await h.Entities.GetAsync<EtlRouterCluster>("default", "etl-router"))?.Status.Find(ConditionTypes.Degraded) is { Status: not ConditionList.True },
            "Degraded cleared once the node is back", TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Router_nodes_that_hold_different_states_at_one_entry_degrade_the_cluster_as_diverged()
    {
        await using var h = await StartAsync();
        h.Router.HaveMembers(0, 1, 2);
        foreach (var node in h.Router.Cluster.Nodes)
        {
            node.AppliedIndex = 88;
            node.StateHash = node.Id == "1" ? "f4093d5189fe97ffe09615ff5b7aeb6c" : "9540c9c847c00a3704eec338329cfdb5";
        }

        await h.CreateAsync(new EtlRouterCluster { Metadata = new() { Name = "etl-router" }, Spec = new RouterClusterSpec { Replicas = 3 } });
        var degraded = await Eventually.WaitFor(async () =>
            (await h.Entities.GetAsync<EtlRouterCluster>("default", "etl-router"))?.Status.Find(ConditionTypes.Degraded) is { Status: ConditionList.True } condition ? condition : null,
            "the cluster Degraded as Diverged", TimeSpan.FromSeconds(30));
        Assert.Equal(ConditionReasons.Diverged, degraded.Reason);
        Assert.Equal("at applied index 88 the nodes hold different states: 0, 2 hash 9540c9c847c0; 1 hash f4093d5189fe", degraded.Message);
        await Eventually.WaitUntil(async () => (await h.EventsFor("etl-router")).Any(e => e.Reason == ConditionReasons.Diverged && e.Type == "Warning"), "a Diverged warning event");
    }

    private static Task<V1StatefulSet> StatefulSetAsync(OperatorHarness h, Func<V1StatefulSet, bool> condition) =>
        Eventually.WaitFor(async () =>
        {
            try
            {
                var sts = await h.Client.AppsV1.ReadNamespacedStatefulSetAsync("etl-router", "default");
                return condition(sts) ? sts : null;
            }
            catch (k8s.Autorest.HttpOperationException)
            {
                return null;
            }
        }, "the StatefulSet", TimeSpan.FromSeconds(30));
}
