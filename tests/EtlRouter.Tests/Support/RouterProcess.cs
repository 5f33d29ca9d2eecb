using System.Collections.Concurrent;
using System.Diagnostics;
using EtlRouter.Contracts.V1;
using Grpc.Net.Client;

namespace EtlRouter.Tests.Support;

/// <summary>
/// One real etl-router process on 127.0.0.1, started with `dotnet etl-router.dll` and the environment
/// DESIGN.md names. Keeps the last lines of its output for failure messages; killed on dispose.
/// </summary>
public sealed class RouterProcess : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> output = new();
    private Process? process;
    private GrpcChannel? channel;

    public RouterProcess(string nodeId, int raftPort, int grpcPort, int httpPort, string dataDir, Dictionary<string, string> environment)
    {
        NodeId = nodeId;
        RaftPort = raftPort;
        GrpcPort = grpcPort;
        HttpPort = httpPort;
        DataDir = dataDir;
        Environment = environment;
    }

    public static string DllPath => System.IO.Path.Combine(RepositoryRoot.Path, "RouterRuntime", "bin", BuildConfiguration, "net10.0", "etl-router.dll");

    public string NodeId { get; }

    /// <summary>Extra environment for the next start (RAFT_PEERS, RAFT_JOIN, tuning).</summary>
    public Dictionary<string, string> Environment { get; }

    public int RaftPort { get; }

    public int GrpcPort { get; }

    public int HttpPort { get; }

    public string DataDir { get; }

    public string RaftAddress => $"127.0.0.1:{RaftPort}";

    public string GrpcAddress => $"http://127.0.0.1:{GrpcPort}";

    public bool IsRunning => process is { HasExited: false };

    public int? ProcessId => process?.Id;

    public ControlPlane.ControlPlaneClient ControlPlane => new(Channel);

    public ServiceRegistry.ServiceRegistryClient Registry => new(Channel);

    public SidecarCoordinator.SidecarCoordinatorClient Coordinator => new(Channel);

    public DeadLetters.DeadLettersClient DeadLetters => new(Channel);

    public GrpcChannel Channel => channel ??= GrpcChannel.ForAddress(GrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024 });

    public void Start()
    {
        if (IsRunning) throw new InvalidOperationException($"router {NodeId} is already running");
        if (!File.Exists(DllPath)) throw new FileNotFoundException($"build the router first (dotnet build): {DllPath} is missing");

        var start = new ProcessStartInfo("dotnet", [DllPath])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["RAFT_NODE_ID"] = NodeId;
        start.Environment["DATA_DIR"] = DataDir;
        start.Environment["GRPC_PORT"] = GrpcPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["GRAPHQL_PORT"] = HttpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["BIND_ADDRESS"] = "127.0.0.1";
        start.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in Environment) start.Environment[key] = value;

        var started = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        started.OutputDataReceived += (_, e) => Keep(e.Data);
        started.ErrorDataReceived += (_, e) => Keep(e.Data);
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
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
        }, $"router {NodeId} answering on {GrpcAddress}", TimeSpan.FromSeconds(30));
    }

    /// <summary>kill -9: no shutdown code runs, exactly like a crashed pod.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>SIGTERM, then wait for a clean exit.</summary>
    public async Task StopAsync()
    {
        if (process is not { HasExited: false } p) return;
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await kill!.WaitForExitAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        try
        {
            await p.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public string RecentOutput => string.Join('\n', output.TakeLast(40));

    private void Keep(string? line)
    {
        if (line is null) return;
        output.Enqueue(line);
        while (output.Count > 400) output.TryDequeue(out _);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        process?.Dispose();
        channel?.Dispose();
        await Task.CompletedTask;
    }

#if DEBUG
    private const string BuildConfiguration = "Debug";
#else
    private const string BuildConfiguration = "Release";
#endif
}
