using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>
/// Three real router processes, one of which cannot apply its log: its disk damaged an entry, or it was rolled
/// back to a router that does not know a command. It stops at that entry and says so; it never skips it.
/// </summary>
public sealed class RouterIntegrityTests
{
    // No snapshot covers the entries the tests damage or add, so a restarted node replays them.
    private static Dictionary<string, string> NoSnapshots() => new() { ["SNAPSHOT_INTERVAL"] = "1000000" };

    [Fact]
    public async Task A_follower_whose_log_is_damaged_on_disk_stops_at_that_entry_says_so_and_recovers_from_the_leaders_state()
    {
        await using var cluster = await RouterCluster.StartAsync(3, NoSnapshots());
        try
        {
            await ClusterStates.WaitForLogFormatAsync(cluster, 2);
            var leader = await cluster.LeaderAsync();
            for (var i = 0; i < 10; i++) await Apply(leader, $"before-{i}");
            var marker = $"damaged-entry-marker-{Guid.NewGuid():N}";
            var damagedIndex = (await Apply(leader, marker)).CommitIndex;
            for (var i = 0; i < 10; i++) await Apply(leader, $"after-{i}");
            await ClusterStates.AssertSameStateAsync(cluster, "before the damage");

            var follower = await cluster.FollowerAsync();
            await follower.StopAsync();
            Assert.True(DiskDamage.FlipBitInside(follower.DataDir, marker) >= 1, "the marker entry was not found in the follower's log files");
            await follower.StartAsync();

            var recovered = await Eventually.WaitFor(async () =>
                await ClusterStates.StatusAsync(cluster) is { } status && status.Nodes.FirstOrDefault(n => n.Id == follower.NodeId) is { LastRecovery.Length: > 0 } node ? node : null,
                "the damaged follower recovering", TimeSpan.FromSeconds(60), cluster.Diagnostics);
            Assert.Contains($"stopped applying the log at entry {damagedIndex}", recovered.LastRecovery, StringComparison.Ordinal);
            Assert.Contains("checksum mismatch", recovered.LastRecovery, StringComparison.Ordinal);
            Assert.Contains("recovered from node", recovered.LastRecovery, StringComparison.Ordinal);
            Assert.Contains($"stopped applying the log at entry {damagedIndex}", follower.RecentOutput, StringComparison.Ordinal);

            // It applies on from there: new writes reach it, and its state equals the others' at the same index.
            var last = await Apply(leader, "after-recovery");
            var list = await RouterTestData.ListAt(follower.ControlPlane, last.CommitIndex);
            Assert.Contains(list.Pipelines, p => p.Definition.Ref.Name == marker);
            Assert.Equal(22, list.Pipelines.Count);
            var status = await ClusterStates.AssertSameStateAsync(cluster, "after the recovery");
            Assert.All(status.Nodes, n => Assert.Empty(n.HaltedReason));

            var verified = await leader.ControlPlane.VerifyClusterStateAsync(new VerifyClusterStateRequest(), deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.True(verified.Consistent, string.Join("; ", verified.Nodes.Select(n => $"{n.NodeId}: {n.Hash} {n.Error}")));
            Assert.Equal(3, verified.Nodes.Count);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    [Fact]
    public async Task A_follower_whose_snapshot_is_damaged_on_disk_starts_halted_and_recovers_from_a_peers_state()
    {
        await using var cluster = await RouterCluster.StartAsync(3, new Dictionary<string, string> { ["SNAPSHOT_INTERVAL"] = "10" });
        try
        {
            await ClusterStates.WaitForLogFormatAsync(cluster, 2);
            var leader = await cluster.LeaderAsync();
            var marker = $"damaged-snapshot-marker-{Guid.NewGuid():N}";
            await Apply(leader, marker);
            for (var i = 0; i < 30; i++) await Apply(leader, $"fill-{i}");
            await ClusterStates.AssertSameStateAsync(cluster, "before the damage");

            var follower = await cluster.FollowerAsync();
            await follower.StopAsync();
            Assert.True(DiskDamage.FlipBitInside(follower.DataDir, marker, "snapshots") >= 1, "the marker was not found in the follower's snapshot");
            await follower.StartAsync();

            var recovered = await Eventually.WaitFor(async () =>
                await ClusterStates.StatusAsync(cluster) is { } status && status.Nodes.FirstOrDefault(n => n.Id == follower.NodeId) is { LastRecovery.Length: > 0 } node ? node : null,
                "the follower recovering from its damaged snapshot", TimeSpan.FromSeconds(60), cluster.Diagnostics);
            Assert.Contains("is damaged: checksum mismatch", recovered.LastRecovery, StringComparison.Ordinal);

            var last = await Apply(leader, "after-recovery");
            var list = await RouterTestData.ListAt(follower.ControlPlane, last.CommitIndex);
            Assert.Equal(32, list.Pipelines.Count);
            await ClusterStates.AssertSameStateAsync(cluster, "after the recovery");

            // The recovery wrote a sound snapshot: the next restart meets no damage.
            await follower.StopAsync();
            await follower.StartAsync();
            await ClusterStates.AssertSameStateAsync(cluster, "after another restart");
            var again = (await ClusterStates.StatusAsync(cluster))!.Nodes.Single(n => n.Id == follower.NodeId);
            Assert.Empty(again.LastRecovery);
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    [Fact]
    public async Task A_node_rolled_back_to_an_older_format_stops_at_the_first_entry_it_cannot_apply_and_no_write_it_would_drop_is_acknowledged()
    {
        await using var cluster = await RouterCluster.StartAsync(3, NoSnapshots());
        try
        {
            await ClusterStates.WaitForLogFormatAsync(cluster, 2);
            var leader = await cluster.LeaderAsync();
            await Apply(leader, "first");
            var checkpoint = await leader.ControlPlane.VerifyClusterStateAsync(new VerifyClusterStateRequest(), deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.True(checkpoint.Consistent);

            // The follower comes back as a router that applies format 1 only: everything since format 2 became
            // the cluster's is beyond it.
            var follower = await cluster.FollowerAsync();
            await follower.StopAsync();
            follower.Environment["RAFT_LOG_FORMAT"] = "1";
            await follower.StartAsync();

            var halted = await Eventually.WaitFor(async () =>
                await ClusterStates.StatusAsync(cluster) is { } status && status.Nodes.FirstOrDefault(n => n.Id == follower.NodeId) is { HaltedReason.Length: > 0 } node ? node : null,
                "the rolled-back follower stopping", TimeSpan.FromSeconds(60), cluster.Diagnostics);
            Assert.False(halted.Healthy);
            Assert.InRange(halted.HaltedAtIndex, 1UL, checkpoint.Index);
            Assert.Contains("applies log formats up to 1", halted.HaltedReason, StringComparison.Ordinal);
            Assert.Contains("upgrade this node", halted.HaltedReason, StringComparison.Ordinal);
            Assert.True(halted.AppliedIndex < halted.HaltedAtIndex, $"it applied {halted.AppliedIndex}, past the entry it stopped at");

            // Not ready, and it refuses reads rather than answer from a state the others have left behind.
            using (var http = new HttpClient(TestCertificates.Handler()))
            {
                var ready = await http.GetAsync($"{follower.HttpAddress}/readyz", TestContext.Current.CancellationToken);
                Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, ready.StatusCode);
                Assert.Contains($"stopped applying the log at entry {halted.HaltedAtIndex}", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken), StringComparison.Ordinal);
            }

            var read = await Assert.ThrowsAsync<RpcException>(async () => await follower.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest()));
            Assert.Equal(StatusCode.Unavailable, read.StatusCode);

            // Its record (format 1) reaches the log: the cluster writes format 1 again, and a command the
            // rolled-back node could not apply is refused, not acknowledged.
            await ClusterStates.WaitForLogFormatAsync(cluster, 1);
            var refused = await Assert.ThrowsAsync<RpcException>(async () =>
                await leader.ControlPlane.VerifyClusterStateAsync(new VerifyClusterStateRequest(), deadline: DateTime.UtcNow.AddSeconds(10)));
            Assert.Equal(StatusCode.FailedPrecondition, refused.StatusCode);
            Assert.Contains($"node {follower.NodeId}", refused.Status.Detail, StringComparison.Ordinal);
            Assert.Contains("applies up to format 1", refused.Status.Detail, StringComparison.Ordinal);

            // Ordinary writes go on (a majority applies them); the stopped node keeps them in its log.
            var during = await Apply(leader, "while-stopped");

            // Upgraded again, it applies everything it held and ends in the same state as the others.
            await follower.StopAsync();
            follower.Environment.Remove("RAFT_LOG_FORMAT");
            await follower.StartAsync();
            var list = await RouterTestData.ListAt(follower.ControlPlane, during.CommitIndex);
            Assert.Equal(["first", "while-stopped"], list.Pipelines.Select(p => p.Definition.Ref.Name).Order(StringComparer.Ordinal));
            await ClusterStates.WaitForLogFormatAsync(cluster, 2);
            await ClusterStates.AssertSameStateAsync(cluster, "after the upgrade");
            var verified = await leader.ControlPlane.VerifyClusterStateAsync(new VerifyClusterStateRequest(), deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.True(verified.Consistent, string.Join("; ", verified.Nodes.Select(n => $"{n.NodeId}: {n.Hash} {n.Error}")));
        }
        catch (Exception e) when (e is not Xunit.Sdk.XunitException)
        {
            throw new InvalidOperationException(cluster.Diagnostics(), e);
        }
    }

    private static async Task<ApplyPipelineResponse> Apply(RouterProcess node, string name)
    {
        var response = await node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear(name) }, deadline: DateTime.UtcNow.AddSeconds(10));
        Assert.Equal(ApplyOutcome.Created, response.Outcome);
        return response;
    }
}
