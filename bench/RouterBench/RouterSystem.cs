using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Bench;

/// <summary>Three etl-router processes on 127.0.0.1; writes are ApplyPipeline calls of a fixed size.</summary>
/// <param name="dll">etl-router.dll.</param>
/// <param name="root">Where the nodes' data directories go.</param>
/// <param name="basePort">The first of the ports the nodes use.</param>
/// <param name="overrides">Environment that replaces the defaults below (the scale benchmark's).</param>
public sealed class RouterSystem(string dll, string root, int basePort, IReadOnlyDictionary<string, string>? overrides = null) : SystemUnderTest
{
    private int generation;

    public override string Name => "etl-router";

    /// <summary>BENCH_ROUTER_NODES (default 3): 1 shows what the network and followers cost.</summary>
    private static int Size => int.TryParse(Environment.GetEnvironmentVariable("BENCH_ROUTER_NODES"), out var n) ? n : 3;

    public override Task StartAsync() => StartClusterAsync(Path.Combine(root, $"router-{Interlocked.Increment(ref generation)}"), basePort + (generation * 10));

    private async Task StartClusterAsync(string dataRoot, int port)
    {
        var peers = string.Join(",", Enumerable.Range(1, Size).Select(i => $"{i}=127.0.0.1:{port + i}"));
        var peersGrpc = string.Join(",", Enumerable.Range(1, Size).Select(i => $"{i}=127.0.0.1:{port + 3 + i}"));
        var nodes = Enumerable.Range(1, Size).Select(i => new Node(
            $"router-{i}", "dotnet", [dll],
            WithOverrides(new Dictionary<string, string>
            {
                ["RAFT_NODE_ID"] = $"{i}",
                ["RAFT_PEERS"] = peers,
                ["RAFT_PEERS_GRPC"] = peersGrpc,
                ["DATA_DIR"] = Path.Combine(dataRoot, $"n{i}"),
                ["GRPC_PORT"] = $"{port + 3 + i}",
                ["GRAPHQL_PORT"] = $"{port + 6 + i}",
                ["BIND_ADDRESS"] = "127.0.0.1",
                ["SNAPSHOT_INTERVAL"] = "10000",
                ["Logging__LogLevel__Default"] = "Warning",
                // Like for like: both plaintext, or (BENCH_TLS=1) both mutual TLS, the router as shipped.
                ["TLS_MODE"] = BenchTls.On ? "mutual" : "plaintext",
                ["TLS_DIR"] = BenchTls.On ? BenchTls.DirectoryFor(EtlRouter.Security.Identity.PeerIdentity.Router($"{i}")) : string.Empty,
            }),
            $"{BenchTls.Scheme}://127.0.0.1:{port + 3 + i}")).ToList();
        await StartNodesAsync(nodes);
    }

    private Dictionary<string, string> WithOverrides(Dictionary<string, string> defaults)
    {
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) defaults[key] = value;
        return defaults;
    }

    /// <summary>The status as the given node reports it.</summary>
    public Task<ClusterStatus> StatusAsync(Node node, CancellationToken token) =>
        Client(node).GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: token).ResponseAsync;

    public ControlPlane.ControlPlaneClient ControlPlaneOf(Node node) => Client(node);

    protected override async Task<bool> LeadsAsync(Node node, CancellationToken token)
    {
        var status = await Client(node).GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(1), cancellationToken: token);
        return node.Name == $"router-{status.LeaderId}";
    }

    public override async Task WriteAsync(Node node, string key, int valueBytes, CancellationToken token) =>
        await Client(node).ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = Pipeline(key, valueBytes) }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: token);

    /// <summary>A three-stage pipeline padded so the request is <paramref name="bytes"/> long, like the etcd value.</summary>
    public static PipelineDefinition Pipeline(string name, int bytes)
    {
        var pipeline = new PipelineDefinition
        {
            Ref = new PipelineRef { Namespace = "bench", Name = name },
            Generation = 1,
            Stages =
            {
                new StageDefinition { Name = "source", Kind = StageKind.Source, Service = "gen" },
                new StageDefinition { Name = "sink", Kind = StageKind.Sink, Service = "files", Inputs = { "source" } },
            },
        };
        var pad = bytes - new ApplyPipelineRequest { Pipeline = pipeline }.CalculateSize() - 12;
        if (pad > 0) pipeline.Stages[0].Options["pad"] = new string('x', pad);
        return pipeline;
    }

    public override async Task<long> SnapshotAsync(string file, CancellationToken token)
    {
        var leader = await LeaderAsync(token);
        await using var output = File.Create(file);
        using var call = Client(leader).CreateBackup(new CreateBackupRequest(), cancellationToken: token);
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(token)) chunk.Data.WriteTo(output);
        return output.Length;
    }

    /// <summary>
    /// Restores through the leader. A fresh cluster may still change leaders while the 10 MiB entry replicates:
    /// then the call fails with Unavailable and is sent again, as a client would (the time counts).
    /// </summary>
    public override async Task RestoreAsync(string file, CancellationToken token)
    {
        var bytes = await File.ReadAllBytesAsync(file, token);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var leader = await LeaderAsync(token);
                using var call = Client(leader).RestoreBackup(cancellationToken: token);
                for (var offset = 0; offset < bytes.Length; offset += 1024 * 1024)
                    await call.RequestStream.WriteAsync(new BackupChunk { Data = Google.Protobuf.ByteString.CopyFrom(bytes, offset, Math.Min(1024 * 1024, bytes.Length - offset)) }, token);
                await call.RequestStream.CompleteAsync();
                await call;
                return;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unavailable && attempt < 3)
            {
                Console.WriteLine($"  restore attempt {attempt} failed ({e.Status.Detail}); sending it again");
            }
        }
    }

    private ControlPlane.ControlPlaneClient Client(Node node) => new(Channel(node));
}
