using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>A three-node router cluster of real processes: election, forwarding, convergence.</summary>
public sealed class RouterClusterTests
{
    [Fact]
    public async Task A_leader_is_elected_writes_through_a_follower_reach_it_and_every_node_converges()
    {
        await using var cluster = await RouterCluster.StartAsync(3);
        try
        {
            var status = await cluster.WaitForLeaderAsync();
            Assert.Equal(3, status.Nodes.Count);
            Assert.Single(status.Nodes, n => n.Role == NodeRole.Leader);
            Assert.All(status.Nodes, n => Assert.True(n.Healthy, $"node {n.Id} unhealthy"));

            var follower = await cluster.FollowerAsync();
            ulong lastIndex = 0;
            for (var i = 0; i < 20; i++)
            {
                var response = await follower.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear($"p{i}") }, deadline: DateTime.UtcNow.AddSeconds(10));
                Assert.Equal(ApplyOutcome.Created, response.Outcome);
                lastIndex = Math.Max(lastIndex, response.CommitIndex);
            }

            // Idempotent by generation: the same again changes nothing, an older one is refused as stale.
            var again = await follower.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("p0") });
            Assert.Equal(ApplyOutcome.Unchanged, again.Outcome);
            await follower.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("p1", generation: 5) });
            var stale = await follower.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear("p1", generation: 4) });
            Assert.Equal(ApplyOutcome.Stale, stale.Outcome);
            Assert.Equal(5, stale.StoredGeneration);

            var index = await cluster.LeaderCommitIndexAsync();
            var views = new List<string>();
            foreach (var node in cluster.Nodes)
            {
                var list = await RouterTestData.ListAt(node.ControlPlane, index);
                Assert.Equal(20, list.Pipelines.Count);
                views.Add(string.Join("|", list.Pipelines.Select(p => p.Definition.ToString())));
            }

            Assert.All(views, v => Assert.Equal(views[0], v));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }
}
