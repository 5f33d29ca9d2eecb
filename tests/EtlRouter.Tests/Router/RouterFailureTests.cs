using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>What must survive: leaders killed mid-write, followers that fall behind, membership changes.</summary>
public sealed class RouterFailureTests
{
    [Fact]
    public async Task Killing_the_leader_five_times_during_writes_loses_no_acknowledged_write()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        try
        {
            var writers = new ClusterWriters(cluster, count: 4);
            await using (writers)
            {
                for (var round = 0; round < 5; round++)
                {
                    await writers.WaitForMoreAsync(10);
                    var leader = await cluster.LeaderAsync();
                    leader.Kill();
                    var next = await cluster.WaitForLeaderAsync();
                    Assert.NotEqual(leader.NodeId, next.LeaderId);
                    await leader.StartAsync();
                }

                await writers.WaitForMoreAsync(10);
            }

            await Eventually.WaitUntil(async () => (await cluster.WaitForLeaderAsync()).Nodes.All(n => n.Healthy), "all three nodes healthy again");
            var index = Math.Max(await cluster.LeaderCommitIndexAsync(), writers.Acknowledged.Values.Max());
            foreach (var node in cluster.Nodes)
            {
                var list = await RouterTestData.ListAt(node.ControlPlane, index);
                var names = list.Pipelines.Select(p => p.Definition.Ref.Name).ToList();
                Assert.Equal(names.Count, names.Distinct().Count());
                var missing = writers.Acknowledged.Keys.Except(names).ToList();
                Assert.True(missing.Count == 0, $"node {node.NodeId} lacks acknowledged writes: {string.Join(", ", missing.Take(10))}");
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    [Fact]
    public async Task A_stopped_follower_catches_up_from_a_snapshot_after_the_log_was_compacted()
    {
        await using var cluster = await RouterCluster.StartAsync(3, new() { ["SNAPSHOT_INTERVAL"] = "25" });
        try
        {
            var follower = await cluster.FollowerAsync();
            await follower.StopAsync();

            var leader = await cluster.LeaderAsync();
            ulong last = 0;
            for (var i = 0; i < 120; i++)
                last = (await leader.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear($"c{i}") })).CommitIndex;

            var leaderStatus = await leader.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest());
            Assert.True(leaderStatus.SnapshotIndex >= 100, $"leader snapshot at {leaderStatus.SnapshotIndex}; expected the log to be compacted");

            await follower.StartAsync();
            var caughtUp = await RouterTestData.ListAt(follower.ControlPlane, last);
            Assert.Equal(120, caughtUp.Pipelines.Count);
            var own = await follower.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest());
            Assert.True(own.SnapshotIndex >= 100, $"follower snapshot at {own.SnapshotIndex}");
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    [Fact]
    public async Task The_cluster_grows_to_five_nodes_and_shrinks_back_to_three_while_writing()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        try
        {
            var writers = new ClusterWriters(cluster, count: 2);
            await using (writers)
            {
                foreach (var id in new[] { "4", "5" })
                {
                    var joining = cluster.StartJoiningNode(id);
                    var via = await cluster.FollowerAsync();
                    await Eventually.WaitUntil(async () =>
                    {
                        try
                        {
                            await via.ControlPlane.AddClusterNodeAsync(new AddClusterNodeRequest { RaftAddress = joining.RaftAddress }, deadline: DateTime.UtcNow.AddSeconds(10));
                            return true;
                        }
                        catch (Grpc.Core.RpcException)
                        {
                            return false;
                        }
                    }, $"node {id} added", TimeSpan.FromSeconds(40));
                    await writers.WaitForMoreAsync(5);
                }

                var five = await Eventually.WaitFor(async () =>
                {
                    var status = await cluster.WaitForLeaderAsync();
                    return status.Nodes.Count == 5 && status.Nodes.All(n => n.Healthy) ? status : null;
                }, "five healthy members");
                Assert.Equal(5, five.Nodes.Count);

                // Shrink by two members that are not the leader.
                var leader = await cluster.LeaderAsync();
                var leaving = cluster.Running.Where(n => n != leader).OrderByDescending(n => n.NodeId).Take(2).ToList();
                foreach (var node in leaving)
                {
                    await (await cluster.LeaderAsync()).ControlPlane.RemoveClusterNodeAsync(new RemoveClusterNodeRequest { RaftAddress = node.RaftAddress }, deadline: DateTime.UtcNow.AddSeconds(15));
                    await node.StopAsync();
                    await writers.WaitForMoreAsync(5);
                }

                var three = await Eventually.WaitFor(async () =>
                {
                    var status = await cluster.WaitForLeaderAsync();
                    return status.Nodes.Count == 3 && status.Nodes.All(n => n.Healthy) ? status : null;
                }, "three healthy members");
                Assert.DoesNotContain(three.Nodes, n => leaving.Any(l => l.NodeId == n.Id));
                await writers.WaitForMoreAsync(5);
            }

            await writers.AssertNoneLostAsync();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    [Fact]
    public async Task Removing_the_leader_hands_leadership_to_a_remaining_member_and_loses_nothing()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        try
        {
            var writers = new ClusterWriters(cluster, count: 2);
            RouterProcess leaving;
            await using (writers)
            {
                await writers.WaitForMoreAsync(5);
                leaving = await cluster.LeaderAsync();

                // Asked of a follower, which forwards to the leader: the leader takes itself out.
                var via = await cluster.FollowerAsync();
                await via.ControlPlane.RemoveClusterNodeAsync(new RemoveClusterNodeRequest { RaftAddress = leaving.RaftAddress }, deadline: DateTime.UtcNow.AddSeconds(15));
                var two = await Eventually.WaitFor(async () =>
                {
                    var status = await cluster.WaitForLeaderAsync();
                    return status.Nodes.Count == 2 && status.LeaderId != leaving.NodeId && status.Nodes.All(n => n.Healthy) ? status : null;
                }, "two members with a new leader", TimeSpan.FromSeconds(30));
                Assert.DoesNotContain(two.Nodes, n => n.Id == leaving.NodeId);
                await leaving.StopAsync();
                await writers.WaitForMoreAsync(10);
            }

            await writers.AssertNoneLostAsync();
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }
}
