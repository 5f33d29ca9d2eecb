using System.Collections.Concurrent;
using System.Diagnostics;
using EtlRouter.Contracts.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtlRouter.Bench;

/// <summary>
/// Many sidecars in one process, as the router sees them: each registers, holds its WatchAssignments stream,
/// heartbeats at the interval the router gave it and reports flow for the stages it runs every two seconds (the
/// sidecar's defaults), over one multiplexed channel per router node. A sidecar whose stream breaks watches
/// again through the next node, as a real one does through the router Service.
/// </summary>
public sealed class SimulatedSidecars : IAsyncDisposable
{
    public const int Namespaces = 100;
    public const int ServicesPerKind = 10;
    private static readonly TimeSpan FlowEvery = TimeSpan.FromSeconds(2);

    private readonly GrpcChannel[] channels;
    private readonly CancellationTokenSource stop = new();
    private readonly List<Task> loops = [];
    private readonly ConcurrentBag<double> heartbeatMs = [];

    public SimulatedSidecars(IReadOnlyList<string> nodeAddresses, int count)
    {
        channels = nodeAddresses.Select(address => GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            // Kestrel allows 100 streams per connection: more connections open as the watch streams need them.
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan },
            MaxReceiveMessageSize = 64 * 1024 * 1024,
        })).ToArray();
        Sidecars = Enumerable.Range(0, count).Select(i => new Sidecar(i)).ToArray();
    }

    public Sidecar[] Sidecars { get; }

    public long HeartbeatFailures;

    public long FlowReports;

    /// <summary>The heartbeat latencies since the last call, sorted.</summary>
    public List<double> TakeHeartbeatLatencies()
    {
        var taken = new List<double>();
        while (heartbeatMs.TryTake(out var ms)) taken.Add(ms);
        taken.Sort();
        return taken;
    }

    /// <summary>The service a sidecar serves: sidecar i is in namespace i % 100 and serves one of 30 services there.</summary>
    public static (string Namespace, StageKind Kind, string Service) ServiceOf(int i)
    {
        var within = i / Namespaces;
        var kind = (within % 3) switch { 0 => StageKind.Source, 1 => StageKind.Transform, _ => StageKind.Sink };
        var prefix = kind switch { StageKind.Source => "src", StageKind.Transform => "tx", _ => "sink" };
        return ($"ns-{i % Namespaces}", kind, $"{prefix}-{(within / 3) % ServicesPerKind}");
    }

    public async Task RegisterAllAsync(int parallel)
    {
        await Parallel.ForEachAsync(Sidecars, new ParallelOptions { MaxDegreeOfParallelism = parallel }, async (sidecar, token) =>
        {
            var (ns, kind, service) = ServiceOf(sidecar.Index);
            var request = new RegisterSidecarRequest
            {
                SidecarId = sidecar.Id,
                Pod = $"{ns}/{sidecar.Id}",
                Address = $"10.{sidecar.Index / 65536 % 256}.{sidecar.Index / 256 % 256}.{sidecar.Index % 256}:9090",
                Services = { new DiscoveredService { Kind = kind, Name = service, Version = "1", Endpoint = "127.0.0.1:50052" } },
            };
            while (true)
            {
                try
                {
                    var response = await new ServiceRegistry.ServiceRegistryClient(ChannelFor(sidecar.Index)).RegisterAsync(request, deadline: DateTime.UtcNow.AddSeconds(30), cancellationToken: token);
                    sidecar.HeartbeatInterval = TimeSpan.FromSeconds(Math.Max(1, response.HeartbeatIntervalSeconds));
                    return;
                }
                catch (RpcException)
                {
                    await Task.Delay(100, token);
                }
            }
        });
    }

    /// <summary>Starts every sidecar's watch stream, heartbeat loop and flow loop.</summary>
    public void Run()
    {
        foreach (var sidecar in Sidecars)
        {
            loops.Add(Task.Run(() => WatchLoopAsync(sidecar, stop.Token)));
            loops.Add(Task.Run(() => HeartbeatLoopAsync(sidecar, stop.Token)));
            loops.Add(Task.Run(() => FlowLoopAsync(sidecar, stop.Token)));
        }
    }

    private GrpcChannel ChannelFor(int attempt) => channels[attempt % channels.Length];

    private async Task WatchLoopAsync(Sidecar sidecar, CancellationToken token)
    {
        for (var attempt = sidecar.Index; !token.IsCancellationRequested; attempt++)
        {
            try
            {
                using var call = new SidecarCoordinator.SidecarCoordinatorClient(ChannelFor(attempt))
                    .WatchAssignments(new WatchAssignmentsRequest { SidecarId = sidecar.Id }, cancellationToken: token);
                await foreach (var assignments in call.ResponseStream.ReadAllAsync(token))
                {
                    sidecar.Update(assignments);
                }
            }
            catch (Exception) when (!token.IsCancellationRequested)
            {
            }

            // The stream ended (its node went away): a real sidecar watches again through the Service.
            sidecar.StreamBroke();
            await Task.Delay(50, token).ConfigureAwait(false);
        }
    }

    private async Task HeartbeatLoopAsync(Sidecar sidecar, CancellationToken token)
    {
        // Spread the first beats over one interval, as sidecars started at different times would.
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * sidecar.HeartbeatInterval.TotalMilliseconds), token);
        for (var attempt = sidecar.Index; !token.IsCancellationRequested; attempt++)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                await new ServiceRegistry.ServiceRegistryClient(ChannelFor(attempt))
                    .HeartbeatAsync(new HeartbeatRequest { SidecarId = sidecar.Id }, deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: token);
                heartbeatMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
            catch (RpcException) when (!token.IsCancellationRequested)
            {
                Interlocked.Increment(ref HeartbeatFailures);
            }

            await Task.Delay(sidecar.HeartbeatInterval, token);
        }
    }

    private async Task FlowLoopAsync(Sidecar sidecar, CancellationToken token)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.NextDouble() * FlowEvery.TotalMilliseconds), token);
        for (var attempt = sidecar.Index; !token.IsCancellationRequested; attempt++)
        {
            try
            {
                await new SidecarCoordinator.SidecarCoordinatorClient(ChannelFor(attempt))
                    .ReportFlowAsync(sidecar.Flow(), deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: token);
                Interlocked.Increment(ref FlowReports);
            }
            catch (RpcException) when (!token.IsCancellationRequested)
            {
            }

            await Task.Delay(FlowEvery, token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await Task.WhenAll(loops);
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException)
        {
        }

        foreach (var channel in channels) channel.Dispose();
        stop.Dispose();
    }

    /// <summary>One simulated sidecar: what it was last told to run, and flow figures for those stages.</summary>
    public sealed class Sidecar(int index)
    {
        private readonly object sync = new();
        private SidecarAssignments? current;
        private long records;

        public int Index => index;

        public string Id { get; } = $"sc-{index:D5}";

        public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>The stages it runs, as "ns/pipeline/stage#replica", sorted: what "holding its assignments" compares.</summary>
        public string Holding { get; private set; } = string.Empty;

        /// <summary>Whether its watch stream is open and has delivered the assignments at least once since it (re)opened.</summary>
        public bool Watching { get; private set; }

        public int StageCount { get; private set; }

        public void Update(SidecarAssignments assignments)
        {
            lock (sync)
            {
                current = assignments;
                StageCount = assignments.Stages.Count;
                Holding = string.Join(",", assignments.Stages.Select(s => $"{s.Pipeline.Namespace}/{s.Pipeline.Name}/{s.Stage.Name}#{s.Replica}").Order(StringComparer.Ordinal));
                Watching = true;
            }
        }

        public void StreamBroke()
        {
            lock (sync) Watching = false;
        }

        public FlowReport Flow()
        {
            var report = new FlowReport { SidecarId = Id, At = Timestamp.FromDateTime(DateTime.UtcNow) };
            var total = Interlocked.Add(ref records, 1000);
            lock (sync)
            {
                foreach (var stage in current?.Stages ?? [])
                {
                    report.Stages.Add(new StageFlow { Pipeline = stage.Pipeline, Stage = stage.Stage.Name, RecordsIn = (ulong)total, RecordsOut = (ulong)total, LatencyP50Ms = 2.5, LatencyP99Ms = 9.5 });
                    foreach (var output in stage.Outputs)
                        report.Edges.Add(new EdgeFlow { Pipeline = stage.Pipeline, FromStage = stage.Stage.Name, ToStage = output.ToStage, CreditsRecords = 800, CreditsBytes = 6_000_000, Backlog = 0 });
                }
            }

            return report;
        }
    }
}
