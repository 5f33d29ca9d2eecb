using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>
/// A rolling upgrade as a StatefulSet does it: three real router processes running the previous log format
/// (RAFT_LOG_FORMAT=1, the older router) are replaced one by one with the current one on the same data
/// directories and ports, while a writer keeps writing.
/// </summary>
public sealed class RollingUpgradeTests
{
    [Fact]
    public async Task Replacing_every_node_during_writes_loses_no_acknowledged_write_never_diverges_and_enables_new_commands_only_at_the_end()
    {
        await using var cluster = await RouterCluster.StartAsync(3, new Dictionary<string, string> { ["RAFT_LOG_FORMAT"] = "1" });
        try
        {
            await ClusterStates.WaitForLogFormatAsync(cluster, 1);
            await using var writer = new ClusterWriters(cluster, count: 2, prefix: "upgrade");
            await writer.WaitForMoreAsync(20);
            await AssertNewCommandRefusedAsync(cluster, "before the upgrade");

            // Followers first, the leader last: the order a StatefulSet's highest-ordinal-first update often
            // ends up with, and the leader's replacement is the step that moves leadership to a new router.
            var leader = await cluster.LeaderAsync();
            var order = cluster.Nodes.Where(n => n != leader).Append(leader).ToList();
            for (var step = 0; step < order.Count; step++)
            {
                var node = order[step];
                await node.StopAsync();
                node.Environment.Remove("RAFT_LOG_FORMAT");
                await node.StartAsync();
                await writer.WaitForMoreAsync(10);

                var upgraded = step + 1;
                if (upgraded < order.Count)
                {
                    // Some members still apply format 1 only: the cluster keeps writing it.
                    Assert.Equal(1u, (await ClusterStates.StatusAsync(cluster) ?? throw new InvalidOperationException("no status")).LogFormat);
                    await AssertNewCommandRefusedAsync(cluster, $"with {upgraded} of 3 nodes upgraded");
                }

                using (await writer.PauseAsync())
                {
                    await ClusterStates.AssertSameStateAsync(cluster, $"after upgrading node {node.NodeId} ({upgraded} of 3)");
                }
            }

            // Every member now applies format 2: the cluster writes it, and its new command works.
            await ClusterStates.WaitForLogFormatAsync(cluster, 2);
            var verified = await (await cluster.LeaderAsync()).ControlPlane.VerifyClusterStateAsync(new VerifyClusterStateRequest(), deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.True(verified.Consistent, string.Join("; ", verified.Nodes.Select(n => $"{n.NodeId}: {n.Hash} {n.Error}")));
            Assert.Equal(3, verified.Nodes.Count);
            await writer.WaitForMoreAsync(10);

            // No acknowledged write was lost, on any node, and they all hold the same state.
            using (await writer.PauseAsync())
            {
                await writer.AssertNoneLostAsync();
                await ClusterStates.AssertSameStateAsync(cluster, "at the end");
            }
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    private static async Task AssertNewCommandRefusedAsync(RouterCluster cluster, string when)
    {
        var leader = await cluster.LeaderAsync();
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await leader.ControlPlane.VerifyClusterStateAsync(new VerifyClusterStateRequest(), deadline: DateTime.UtcNow.AddSeconds(10)));
        Assert.True(refused.StatusCode == StatusCode.FailedPrecondition, $"{when}: {refused.Status}");
        Assert.Contains("needs log format 2", refused.Status.Detail, StringComparison.Ordinal);
    }
}
