using EtlRouter.Contracts.V1;
using Grpc.Net.Client;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// One real etl-router process on 127.0.0.1, started with `dotnet etl-router.dll` and the environment
/// DESIGN.md names. Keeps the last lines of its output for failure messages; killed on dispose.
/// </summary>
public sealed class RouterProcess : IAsyncDisposable
{
    private readonly ChildProcess process;
    private GrpcChannel? channel;

    public RouterProcess(string nodeId, int raftPort, int grpcPort, int httpPort, string dataDir, Dictionary<string, string> environment)
    {
        NodeId = nodeId;
        RaftPort = raftPort;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        DataDir = dataDir;
        process = new ChildProcess(DllPath, [], environment);
    }

    public static string DllPath => ChildProcess.Built("RouterRuntime", "etl-router");

    public string NodeId { get; }

    /// <summary>Extra environment for the next start (RAFT_PEERS, RAFT_JOIN, tuning).</summary>
    public Dictionary<string, string> Environment => process.Environment;

    public int RaftPort { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public string DataDir { get; }

    public string RaftAddress => $"127.0.0.1:{RaftPort}";

    public string GrpcAddress => $"https://127.0.0.1:{GrpcPort}";

    /// <summary>GRAPHQL_PORT's base address (TLS; /graphql wants a client certificate, probes and metrics do not).</summary>
    public string HttpAddress => $"https://127.0.0.1:{HttpPort}";

    public bool IsRunning => process.IsRunning;

    public int? ProcessId => process.ProcessId;

    public ControlPlane.ControlPlaneClient ControlPlane => new(Channel);

    public ServiceRegistry.ServiceRegistryClient Registry => new(Channel);

    public SidecarCoordinator.SidecarCoordinatorClient Coordinator => new(Channel);

    public DeadLetters.DeadLettersClient DeadLetters => new(Channel);

    /// <summary>A channel to this node as the tests' admin identity.</summary>
    public GrpcChannel Channel => channel ??= Environment.GetValueOrDefault("TLS_MODE") == "plaintext"
        ? GrpcChannel.ForAddress($"http://127.0.0.1:{GrpcPort}")
        : TestCertificates.Channel(GrpcAddress);

    public void Start()
    {
        Environment["RAFT_NODE_ID"] = NodeId;
        Environment["DATA_DIR"] = DataDir;
        Environment["GRPC_PORT"] = GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment["GRAPHQL_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Environment["BIND_ADDRESS"] = "127.0.0.1";
        Environment.TryAdd("TLS_DIR", TestCertificates.DirectoryFor(EtlRouter.Security.Identity.PeerIdentity.Router(NodeId)));
        process.Start();
    }

    /// <summary>Starts the process and waits until its gRPC port answers.</summary>
    public async Task StartAsync()
    {
        Start();
        await WaitAnsweringAsync();
    }

    public async Task WaitAnsweringAsync()
    {
        await Eventually.WaitUntil(async () =>
        {
            try
            {
                await ControlPlane.GetClusterStatusAsync(new GetClusterStatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                return true;
            }
            catch (Grpc.Core.RpcException)
            {
                return false;
            }
        }, $"router {NodeId} answering on {GrpcAddress}", TimeSpan.FromSeconds(30), process.Describe);
    }

    /// <summary>kill -9: no shutdown code runs, exactly like a crashed pod.</summary>
    public void Kill() => process.Kill();

    /// <summary>SIGTERM, then wait for a clean exit.</summary>
    public Task StopAsync() => process.StopAsync();

    public string RecentOutput => process.RecentOutput;

    public async ValueTask DisposeAsync()
    {
        process.Dispose();
        channel?.Dispose();
        await Task.CompletedTask;
    }
}
