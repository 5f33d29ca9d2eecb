using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using EtlRouter.Contracts.V1;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// The real thing: a one-node router, a generator, a pass-through transform and a discarding sink
/// (etl-connector), each in its "pod" with an etl-sidecar; records go source -> transform -> sink sidecar to
/// sidecar under credits, with acknowledgements back to the source. Mutual TLS on every hop between router and
/// sidecars as shipped (certificates from a CA made for the run), or TLS_MODE=plaintext to measure what TLS costs.
/// </summary>
public static class EtlChain
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    // binaries: which builds run (default EtlBinaries.For); flowControl: the pipeline's (default 20 batches and
    // 64 MiB in flight, the throughput runs' setting).
    // condition: set on the transform -> sink edge (a conditional edge every record meets: what routing costs).
    public static async Task<Measurement> RunAsync(string repo, int size, int batchSize, double rate, SteadyWindow window, bool mutualTls, EtlBinaries? binaries = null, FlowControl? flowControl = null, string? condition = null)
    {
        binaries ??= EtlBinaries.For(repo);
        using var processes = new Processes();
        var p = Processes.FreePorts(16);
        var data = Directory.CreateTempSubdirectory("etl-bench-").FullName;
        var authority = AuthorityFiles.OpenOrCreate(Path.Combine(data, "ca"), TimeSpan.FromDays(1));
        Dictionary<string, string> Tls(PeerIdentity identity)
        {
            if (!mutualTls) return new() { ["TLS_MODE"] = "plaintext" };
            var directory = Path.Combine(data, "tls", identity.Name);
            AuthorityFiles.Issue(authority, identity, ["127.0.0.1"], TimeSpan.FromDays(1), directory);
            return new() { ["TLS_DIR"] = directory };
        }

        var started = Stopwatch.StartNew();
        binaries.Start(processes, "router", binaries.Router, [], new(Tls(PeerIdentity.Router("1")))
        {
            ["RAFT_NODE_ID"] = "1", ["RAFT_PEERS"] = $"1=127.0.0.1:{p[0]}", ["GRPC_PORT"] = $"{p[1]}", ["GRAPHQL_PORT"] = $"{p[2]}",
            ["DATA_DIR"] = data, ["BIND_ADDRESS"] = "127.0.0.1",
        });
        var connector = binaries.Connector;
        string[] rateArgs = rate > 0 ? ["--rate", ((int)rate).ToString(CultureInfo.InvariantCulture)] : [];
        binaries.Start(processes, "generator", connector, ["generator", "--name", "gen", "--port", $"{p[3]}", "--http-port", $"{p[4]}", "--size", $"{size}", .. rateArgs]);
        binaries.Start(processes, "transform", connector, ["pass", "--name", "pass", "--port", $"{p[5]}", "--http-port", $"{p[6]}"]);
        binaries.Start(processes, "sink", connector, ["discard", "--name", "discard", "--port", $"{p[7]}", "--http-port", $"{p[8]}"]);
        foreach (var (role, i, service) in new[] { ("sidecar-source", 9, 3), ("sidecar-transform", 11, 5), ("sidecar-sink", 13, 7) })
        {
            binaries.StartSidecar(processes, role, new(Tls(PeerIdentity.Sidecar("bench", role)))
            {
                ["SIDECAR_ID"] = role, ["CLUSTER_ENDPOINT"] = $"127.0.0.1:{p[1]}", ["GRPC_PORT"] = $"{p[i]}", ["METRICS_PORT"] = $"{p[i + 1]}",
                ["BIND_ADDRESS"] = "127.0.0.1", ["DISCOVERY_PORTS"] = $"{p[service]}", ["RESCAN_SECONDS"] = "1", ["POD_NAMESPACE"] = "bench",
            });
        }

        using var channel = Channel(p[1], mutualTls ? Tls(PeerIdentity.Admin("bench"))["TLS_DIR"] : null);
        var control = new ControlPlane.ControlPlaneClient(channel);
        await Until(async () => (await control.ListServiceEndpointsAsync(new ListServiceEndpointsRequest())).Endpoints.Count == 3, "three sidecars registered");
        var cpu = processes.CpuSeconds();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  start-up ({(binaries.Published || binaries.NativeSidecar ? "published: " + binaries.Sidecar : "dotnet, DOTNET_ReadyToRun=0")}): three sidecars registered after {started.Elapsed.TotalSeconds:0.00} s; CPU by then: sidecars {cpu.Where(c => c.Key.StartsWith("sidecar", StringComparison.Ordinal)).Average(c => c.Value):0.00} s each, router {cpu["router"]:0.00} s"));
        var pipeline = new PipelineDefinition
        {
            Ref = new PipelineRef { Namespace = "bench", Name = "chain" },
            Generation = 1,
            FlowControl = flowControl ?? new FlowControl { BatchSize = (uint)batchSize, MaxInFlight = (uint)batchSize * 20, MaxInFlightBytes = 64 << 20 },
            Dlq = new DeadLetterPolicy { Enabled = true, MaxRetries = 3 },
            Stages =
            {
                new StageDefinition { Name = "source", Kind = StageKind.Source, Service = "gen" },
                new StageDefinition { Name = "transform", Kind = StageKind.Transform, Service = "pass", Inputs = { "source" } },
                new StageDefinition { Name = "sink", Kind = StageKind.Sink, Service = "discard", Inputs = { "transform" } },
            },
        };
        if (condition is not null) pipeline.Stages[2].InputConditions["transform"] = condition;
        await control.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = pipeline });

        var stats = $"http://127.0.0.1:{p[8]}/stats";
        var perSecond = await window.MeasureAsync(
            processes,
            () => Written(stats),
            async () => (await Http.PostAsync($"http://127.0.0.1:{p[8]}/stats/reset-latency", null)).EnsureSuccessStatusCode());
        var summary = JsonDocument.Parse(await Http.GetStringAsync(stats)).RootElement;
        var batches = summary.GetProperty("streamedBatches").GetInt64() + summary.GetProperty("unaryBatches").GetInt64();
        Console.WriteLine($"  the sink's writes held {summary.GetProperty("written").GetInt64() / (double)Math.Max(1, batches):0.0} records on average");
        var setup = (mutualTls ? "etl-router (3 sidecars, mTLS" : "etl-router (3 sidecars, plaintext") + (condition is null ? ")" : ", a conditional edge)");
        var measurement = new Measurement(setup, size, perSecond,
            summary.GetProperty("latencyP50Ms").GetDouble(), summary.GetProperty("latencyP99Ms").GetDouble(), processes.PeakRss);
        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }

        return measurement;
    }

    private static async Task<long> Written(string url)
    {
        try
        {
            return JsonDocument.Parse(await Http.GetStringAsync(url)).RootElement.GetProperty("written").GetInt64();
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static async Task Until(Func<Task<bool>> condition, string what, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < until)
        {
            try
            {
                if (await condition()) return;
            }
            catch (Grpc.Core.RpcException)
            {
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"timed out waiting for {what}");
    }

    /// <summary>The bench's own channel to the router: as an admin over mutual TLS, or plaintext.</summary>
    private static GrpcChannel Channel(int port, string? tlsDirectory)
    {
        if (tlsDirectory is null) return GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        var certificates = new IdentityCertificates(new TlsSettings(TransportMode.Mutual, tlsDirectory), TimeProvider.System, NullLogger.Instance);
        if (!certificates.Reload()) throw new InvalidOperationException($"cannot load the bench's identity from {tlsDirectory}");
        var handler = new SocketsHttpHandler();
        new MutualTls(certificates, NullLogger.Instance).Configure(handler, _ => true, "the bench's router");
        return GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler });
    }
}
