using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// A router cluster of real processes on 127.0.0.1, each with its own ports and data directory under a temp
/// folder that is deleted with the cluster. Waits for conditions with deadlines; never sleeps blindly.
/// </summary>
public sealed class RouterCluster : IAsyncDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("etl-router-test-").FullName;
    private readonly Dictionary<string, string> environment;

    private RouterCluster(Dictionary<string, string> environment) => this.environment = environment;

    public List<RouterProcess> Nodes { get; } = [];

    public IEnumerable<RouterProcess> Running => Nodes.Where(n => n.IsRunning);

    /// <summary>Starts <paramref name="size"/> nodes that form one group from RAFT_PEERS, and waits for a leader.</summary>
    public static async Task<RouterCluster> StartAsync(int size, Dictionary<string, string>? environment = null)
    {
        var cluster = new RouterCluster(environment ?? []);
        var ports = FreePorts.Take(size * 3);
        for (var i = 0; i < size; i++)
            cluster.Nodes.Add(cluster.NewNode((i + 1).ToString(System.Globalization.CultureInfo.InvariantCulture), ports[i * 3], ports[(i * 3) + 1], ports[(i * 3) + 2]));

        var peers = string.Join(",", cluster.Nodes.Select(n => $"{n.NodeId}={n.RaftAddress}"));
        // Each node's gRPC port differs here (in a StatefulSet they share one): a node that lost its data asks these.
        var peersGrpc = string.Join(",", cluster.Nodes.Select(n => $"{n.NodeId}=127.0.0.1:{n.GrpcPort}"));
        foreach (var node in cluster.Nodes)
        {
            node.Environment["RAFT_PEERS"] = peers;
            node.Environment["RAFT_PEERS_GRPC"] = peersGrpc;
            node.Start();
        }

        // Raft may elect a leader before every node's gRPC port is open; wait for all of them.
        foreach (var node in cluster.Nodes) await node.WaitAnsweringAsync();
        await cluster.WaitForLeaderAsync();

        // A node that decided later than the others (their group already had a leader) joins through that leader,
        // as a node that lost its log does: wait until every node is a healthy member.
        await Eventually.WaitUntil(async () =>
        {
            var views = new List<ClusterStatus>();
            foreach (var node in cluster.Nodes)
            {
                try
                {
                    views.Add(await node.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2)));
                }
                catch (RpcException)
                {
                    return false;
                }
            }

            // Every node names the same leader in the same term, that leader says it leads, and every node is healthy.
            return views.Select(v => (v.LeaderId, v.Term)).Distinct().Count() == 1 && views[0].LeaderId.Length > 0
                && views.All(v => v.Nodes.Count == size && v.Nodes.All(n => n.Healthy) && v.Nodes.Count(n => n.Role == NodeRole.Leader) == 1);
        }, "every router node a healthy member that knows the leader", TimeSpan.FromSeconds(60), cluster.Diagnostics);
        return cluster;
    }

    /// <summary>Starts a new node that waits to be added (RAFT_JOIN=true); the caller adds it through the API.</summary>
    public RouterProcess StartJoiningNode(string nodeId)
    {
        var node = PrepareJoiningNode(nodeId);
        node.Start();
        return node;
    }

    /// <summary>A node that will join when started (its ports and address known now), as a StatefulSet's next pod.</summary>
    public RouterProcess PrepareJoiningNode(string nodeId)
    {
        var ports = FreePorts.Take(3);
        var node = NewNode(nodeId, ports[0], ports[1], ports[2]);
        node.Environment["RAFT_JOIN"] = "true";
        node.Environment["RAFT_ADDRESS"] = node.RaftAddress;
        node.Environment["RAFT_PEERS"] = string.Join(",", Nodes.Select(n => $"{n.NodeId}={n.RaftAddress}"));
        Nodes.Add(node);
        return node;
    }

    private RouterProcess NewNode(string id, int raft, int grpc, int http) =>
        new(id, raft, grpc, http, Path.Combine(root, $"node-{id}"), new Dictionary<string, string>(environment));

    /// <summary>The leader's status as a majority of running nodes agree on it.</summary>
    public async Task<ClusterStatus> WaitForLeaderAsync(TimeSpan? deadline = null) =>
        await Eventually.WaitFor(async () =>
        {
            foreach (var node in Running)
            {
                try
                {
                    var status = await node.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                    if (status.LeaderId.Length > 0 && Running.Any(n => n.NodeId == status.LeaderId)) return status;
                }
                catch (RpcException)
                {
                }
            }

            return null;
        }, "a leader among the running router nodes", deadline ?? TimeSpan.FromSeconds(30));

    public async Task<RouterProcess> LeaderAsync()
    {
        var leaderId = (await WaitForLeaderAsync()).LeaderId;
        return Nodes.Single(n => n.NodeId == leaderId);
    }

    /// <summary>The commit index as the leader itself reports it (a follower's view may lag).</summary>
    public async Task<ulong> LeaderCommitIndexAsync()
    {
        var leader = await LeaderAsync();
        return (await leader.ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5))).CommitIndex;
    }

    public async Task<RouterProcess> FollowerAsync()
    {
        var leader = await LeaderAsync();
        return Running.First(n => n != leader);
    }

    public string Diagnostics() => string.Join("\n\n", Nodes.Select(n => $"--- node {n.NodeId} ({(n.IsRunning ? "running" : "stopped")}):\n{n.RecentOutput}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes) await node.DisposeAsync();
        try
        {
            Directory.Delete(root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
