using Grpc.Core;
using Grpc.Net.Client;

namespace EtlRouter.Bench;

/// <summary>
/// What the benchmark does to either system, so both run the same workload the same way; also what both
/// share: the running nodes, one gRPC channel per node, and finding the leader by asking the nodes.
/// </summary>
public abstract class SystemUnderTest : IDisposable
{
    private readonly Dictionary<string, GrpcChannel> channels = [];

    public abstract string Name { get; }

    public IReadOnlyList<Node> Nodes => NodeList;

    protected List<Node> NodeList { get; set; } = [];

    public abstract Task StartAsync();

    /// <summary>One small committed write of the given size through the given node; throws if not committed.</summary>
    public abstract Task WriteAsync(Node node, string key, int valueBytes, CancellationToken token);

    /// <summary>Outside programs the snapshot and restore rows need (etcd's are etcdctl); checked before those rows run.</summary>
    public virtual IReadOnlyList<string> SnapshotTools => [];

    /// <summary>Takes a consistent snapshot of the whole state to a file; returns its size.</summary>
    public abstract Task<long> SnapshotAsync(string file, CancellationToken token);

    /// <summary>Restores a snapshot file into a fresh cluster, until the data is readable.</summary>
    public abstract Task RestoreAsync(string file, CancellationToken token);

    /// <summary>Whether this running node says it leads (an RpcException counts as no).</summary>
    protected abstract Task<bool> LeadsAsync(Node node, CancellationToken token);

    /// <summary>The node that leads now, asking the running nodes until one says so.</summary>
    public async Task<Node> LeaderAsync(CancellationToken token)
    {
        while (true)
        {
            foreach (var node in NodeList.Where(n => n.IsRunning))
            {
                try
                {
                    if (await LeadsAsync(node, token)) return node;
                }
                catch (RpcException)
                {
                }
            }

            await Task.Delay(20, token);
        }
    }

    /// <summary>Replaces the nodes (killing the old ones), starts the new ones and waits for a leader.</summary>
    protected async Task StartNodesAsync(List<Node> nodes)
    {
        foreach (var node in NodeList) node.Dispose();
        NodeList = nodes;
        foreach (var node in nodes) node.Start();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await LeaderAsync(deadline.Token);
    }

    protected GrpcChannel Channel(Node node)
    {
        lock (channels)
        {
            if (!channels.TryGetValue(node.GrpcAddress, out var channel))
                channels[node.GrpcAddress] = channel = GrpcChannel.ForAddress(node.GrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 256 * 1024 * 1024, HttpHandler = BenchTls.Handler() });
            return channel;
        }
    }

    public void Dispose()
    {
        foreach (var node in NodeList) node.Dispose();
        foreach (var channel in channels.Values) channel.Dispose();
        GC.SuppressFinalize(this);
    }
}
