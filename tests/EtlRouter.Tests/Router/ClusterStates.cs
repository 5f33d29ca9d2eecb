using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Support;
using Grpc.Core;
using Xunit;

namespace EtlRouter.Tests.Router;

/// <summary>Compares what the nodes of a test cluster hold: their state hashes at one shared applied index.</summary>
internal static class ClusterStates
{
    /// <summary>
    /// Waits until every node of the cluster reports the same applied index (writes paused), then asserts that
    /// their state hashes are equal there; returns that status.
    /// </summary>
    public static async Task<ClusterStatus> AssertSameStateAsync(RouterCluster cluster, string when)
    {
        var status = await Eventually.WaitFor(async () =>
        {
            var answer = await StatusAsync(cluster);
            return answer is not null
                && answer.Nodes.Count == cluster.Running.Count()
                && answer.Nodes.All(n => n.Healthy && n.StateHash.Length > 0)
                && answer.Nodes.Select(n => n.AppliedIndex).Distinct().Count() == 1
                ? answer
                : null;
        }, $"every node at the same applied index ({when})", TimeSpan.FromSeconds(30), cluster.Diagnostics);

        var hashes = status.Nodes.Select(n => $"node {n.Id}: {n.StateHash} at {n.AppliedIndex}").ToList();
        Assert.True(status.Nodes.Select(n => n.StateHash).Distinct().Count() == 1, $"the nodes diverged {when}:\n{string.Join("\n", hashes)}");
        return status;
    }

    /// <summary>The leader's view of every node, or null while it cannot say.</summary>
    public static async Task<ClusterStatus?> StatusAsync(RouterCluster cluster)
    {
        try
        {
            var leader = await cluster.LeaderAsync();
            return await leader.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5));
        }
        catch (Exception e) when (e is RpcException or TimeoutException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Waits until the cluster writes <paramref name="format"/> (every voting member recorded what it applies).</summary>
    public static Task<ClusterStatus> WaitForLogFormatAsync(RouterCluster cluster, uint format) =>
        Eventually.WaitFor(async () => await StatusAsync(cluster) is { } status && status.LogFormat == format ? status : null,
            $"the cluster writing log format {format}", TimeSpan.FromSeconds(30), cluster.Diagnostics);
}
