using System.Diagnostics;
using System.Globalization;
using EtlRouter.Contracts.V1;
using Grpc.Core;

namespace EtlRouter.Bench;

/// <summary>
/// `RouterBench scale ROUTER_DLL RESULT.md [--quick]`: three router nodes holding 10,000 sidecars (SimulatedSidecars:
/// registered, watching, heartbeating and reporting flow at the defaults) and 10,000 pipelines. Measures apply
/// latency under that load, the leader's CPU and every node's RSS, the snapshot's size and time, a restarted
/// follower's catch-up, leader failover to the next write and to every sidecar holding its assignments again,
/// and the most writes per second it takes on top. BENCH_SCALE_SIDECARS and BENCH_SCALE_PIPELINES change the sizes.
/// </summary>
public static class ScaleBench
{
    public static async Task<int> RunAsync(string routerDll, string resultFile, bool quick)
    {
        // BENCH_SCALE_SIDECARS may list sizes (2500,5000,10000): each runs on a fresh cluster, the pipelines as many.
        var sizes = (Environment.GetEnvironmentVariable("BENCH_SCALE_SIDECARS") ?? (quick ? "2000" : "2500,5000,10000"))
            .Split(',').Select(n => int.Parse(n, CultureInfo.InvariantCulture)).ToList();
        var lines = new List<string>();
        var failed = false;
        foreach (var size in sizes)
        {
            lines.Add(F($"## {size:N0} sidecars, {Number("BENCH_SCALE_PIPELINES", size):N0} pipelines"));
            lines.Add("");
            failed |= !await RunOneAsync(routerDll, size, Number("BENCH_SCALE_PIPELINES", size), quick, lines);
            lines.Add("");
        }

        var header = new List<string>
        {
            "# The router at scale",
            "",
            F($"Command: `dotnet bench/RouterBench/bin/Release/net10.0/RouterBench.dll scale RouterRuntime/bin/Release/net10.0/etl-router.dll RESULT.md{(quick ? " --quick" : "")}` (`BENCH_SUITE=scale make bench`), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; three router nodes (defaults: 10 s leases, elections after 300-600 ms), the load generator and nothing else on it."),
            "",
            F($"Simulated sidecars in {SimulatedSidecars.Namespaces} namespaces, each serving one of 30 services of its namespace (10 sources, 10 transforms, 10 sinks), registered, each holding a WatchAssignments stream, heartbeating at the interval the router gives (2 s for the default 10 s lease) and reporting flow for its stages every 2 s, over one multiplexed HTTP/2 channel per router node; as many source -> transform -> sink pipelines over those services. Plaintext: one TLS identity per simulated sidecar would need a connection each; the figures are the router's work. The load generator shares the two cores: its CPU is given beside the nodes'."),
            "",
        };
        await File.WriteAllLinesAsync(resultFile, header.Concat(lines));
        return failed ? 1 : 0;
    }

    private static async Task<bool> RunOneAsync(string routerDll, int sidecarCount, int pipelineCount, bool quick, List<string> lines)
    {
        var root = Directory.CreateTempSubdirectory("etl-router-scale-").FullName;
        void Say(string line)
        {
            Console.WriteLine(line);
            lines.Add(line);
        }

        // Plaintext: one simulated sidecar per TLS identity would need one connection each; the figures are of the
        // router's work, not of 10,000 handshakes (RouterBench's BENCH_TLS runs show TLS costs its commits nothing).
        using var system = new RouterSystem(routerDll, root, 25000, new Dictionary<string, string>
        {
            ["SNAPSHOT_INTERVAL"] = "1000",
            ["TLS_MODE"] = "plaintext",
            ["MAX_MESSAGE_BYTES"] = $"{64 * 1024 * 1024}",
        });
        try
        {
            await system.StartAsync();
            var addresses = system.Nodes.Select(n => n.GrpcAddress).ToList();
            await using var sidecars = new SimulatedSidecars(addresses, sidecarCount);

            var clock = Stopwatch.StartNew();
            await sidecars.RegisterAllAsync(parallel: 128);
            Say(F($"- Registered {sidecarCount:N0} sidecars in {clock.Elapsed.TotalSeconds:0.0} s ({sidecarCount / clock.Elapsed.TotalSeconds:0} registrations/s)."));
            sidecars.Run();
            await Task.Delay(TimeSpan.FromSeconds(quick ? 5 : 10));
            var heartbeats = sidecars.TakeHeartbeatLatencies();
            Say(F($"- Heartbeats with no pipelines: {heartbeats.Count / (quick ? 5.0 : 10.0):0}/s, p50 {Percentile(heartbeats, 0.5):0.0} ms, p99 {Percentile(heartbeats, 0.99):0.0} ms."));

            // Apply the pipelines while the sidecars heartbeat and report: 64 writers, through the nodes in turn.
            var latencies = new List<double>();
            clock.Restart();
            await Parallel.ForEachAsync(Enumerable.Range(0, pipelineCount), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, token) =>
            {
                var node = system.Nodes[i % system.Nodes.Count];
                var started = Stopwatch.GetTimestamp();
                await ApplyAsync(system, node, Pipeline(i), token);
                lock (latencies) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            });
            latencies.Sort();
            Say(F($"- Applied {pipelineCount:N0} pipelines in {clock.Elapsed.TotalSeconds:0.0} s ({pipelineCount / clock.Elapsed.TotalSeconds:0}/s, 64 writers): latency p50 {Percentile(latencies, 0.5):0.0} ms, p99 {Percentile(latencies, 0.99):0.0} ms, max {latencies[^1]:0} ms."));

            // What an operator's reconcile sees: one writer updating pipelines one at a time, under the same load.
            var steady = new List<double>();
            for (var i = 0; i < (quick ? 200 : 500); i++)
            {
                var update = Pipeline(i * 7 % pipelineCount);
                update.Generation = 2;
                update.Stages[1].Options["rev"] = "2";
                var started = Stopwatch.GetTimestamp();
                await ApplyAsync(system, system.Nodes[i % system.Nodes.Count], update, CancellationToken.None);
                steady.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            steady.Sort();
            Say(F($"- One writer updating {steady.Count} pipelines one after another (each through a different node in turn), under the same load: latency p50 {Percentile(steady, 0.5):0.0} ms, p99 {Percentile(steady, 0.99):0.0} ms."));

            await WaitAllHoldingAsync(sidecars, TimeSpan.FromMinutes(2));
            var assigned = sidecars.Sidecars.Sum(s => s.StageCount);
            Say(F($"- Every sidecar holds its assignments: {assigned:N0} stage replicas on {sidecars.Sidecars.Count(s => s.StageCount > 0):N0} sidecars."));

            // Steady load: CPU and memory over a window.
            var window = TimeSpan.FromSeconds(quick ? 10 : 30);
            var leader = await system.LeaderAsync(CancellationToken.None);
            var cpuBefore = system.Nodes.ToDictionary(n => n.Name, n => ProcessFigures.CpuSeconds(n.ProcessId));
            var generatorBefore = ProcessFigures.CpuSeconds(Environment.ProcessId);
            var reportsBefore = Interlocked.Read(ref sidecars.FlowReports);
            sidecars.TakeHeartbeatLatencies();
            await Task.Delay(window);
            heartbeats = sidecars.TakeHeartbeatLatencies();
            var cpu = system.Nodes.ToDictionary(n => n.Name, n => (ProcessFigures.CpuSeconds(n.ProcessId) - cpuBefore[n.Name]) / window.TotalSeconds);
            var generatorCpu = (ProcessFigures.CpuSeconds(Environment.ProcessId) - generatorBefore) / window.TotalSeconds;
            var flowPerSecond = (Interlocked.Read(ref sidecars.FlowReports) - reportsBefore) / window.TotalSeconds;
            var status = await system.StatusAsync(leader, CancellationToken.None);
            Say(F($"- Steady load over {window.TotalSeconds:0} s: {heartbeats.Count / window.TotalSeconds:0} heartbeats/s (p50 {Percentile(heartbeats, 0.5):0.0} ms, p99 {Percentile(heartbeats, 0.99):0.0} ms, {Interlocked.Read(ref sidecars.HeartbeatFailures)} failed so far) and {flowPerSecond:0} flow reports/s."));
            Say(F($"- CPU (cores busy): {string.Join(", ", system.Nodes.Select(n => $"{n.Name}{(n == leader ? " (leader)" : "")} {cpu[n.Name]:0.00}"))}, the load generator {generatorCpu:0.00}; log index {status.CommitIndex:N0}."));
            Say(F($"- RSS now / peak: {string.Join(", ", system.Nodes.Select(n => { var (now, peak) = ProcessFigures.RssMiB(n.ProcessId); return $"{n.Name} {now:0} / {peak:0} MiB"; }))}."));

            // Snapshot: the whole state as a backup stream, and the nodes' snapshot files.
            clock.Restart();
            var snapshotBytes = await system.SnapshotAsync(Path.Combine(root, "scale.snapshot"), CancellationToken.None);
            Say(F($"- Snapshot: {snapshotBytes / 1048576.0:0.0} MiB, taken and streamed in {clock.Elapsed.TotalMilliseconds:0} ms; snapshot files on disk: {string.Join(", ", system.Nodes.Select(n => $"{n.Name} {SnapshotFilesMiB(n):0.0} MiB"))}."));

            // A follower killed and restarted: time from its start to having applied the leader's commit index.
            var follower = system.Nodes.First(n => n != leader);
            follower.Kill();
            await Task.Delay(TimeSpan.FromSeconds(5));
            clock.Restart();
            follower.Start();
            var target = (await system.StatusAsync(leader, CancellationToken.None)).CommitIndex;
            await UntilAsync(async () => (await system.StatusAsync(follower, CancellationToken.None)).AppliedIndex >= target, TimeSpan.FromMinutes(3));
            Say(F($"- A follower killed for 5 s and restarted applied the leader's commit index ({target:N0}) {clock.Elapsed.TotalSeconds:0.0} s after it started."));

            // Failover: kill -9 the leader; the next committed write, and every sidecar holding its stages again.
            await WaitAllHoldingAsync(sidecars, TimeSpan.FromMinutes(1));
            var before = sidecars.Sidecars.ToDictionary(s => s.Id, s => s.Holding);
            leader = await system.LeaderAsync(CancellationToken.None);
            var survivors = system.Nodes.Where(n => n != leader).ToList();
            clock.Restart();
            leader.Kill();
            for (var attempt = 0; ; attempt++)
            {
                // An update that moves no stage: a new pipeline would be placed on sidecars, changing what they
                // hold, and "every sidecar holds what it held" could then never come true.
                var update = Pipeline(0);
                update.Generation = 10 + attempt;
                update.Stages[1].Options["rev"] = $"failover-{attempt}";
                try
                {
                    await system.ControlPlaneOf(survivors[attempt % survivors.Count]).ApplyPipelineAsync(
                        new ApplyPipelineRequest { Pipeline = update }, deadline: DateTime.UtcNow.AddSeconds(2));
                    break;
                }
                catch (RpcException)
                {
                }
            }

            var toWrite = clock.Elapsed.TotalMilliseconds;
            try
            {
                await UntilAsync(() => Task.FromResult(sidecars.Sidecars.All(s => s.Watching && s.Holding == before[s.Id])), TimeSpan.FromMinutes(2));
            }
            catch (TimeoutException)
            {
                var moved = sidecars.Sidecars.Where(s => s.Holding != before[s.Id]).ToList();
                var closed = sidecars.Sidecars.Count(s => !s.Watching);
                throw new TimeoutException($"after the failover {closed} simulated sidecars had no open stream and {moved.Count} held other stages than before (first: {string.Join("; ", moved.Take(3).Select(s => $"{s.Id} '{before[s.Id]}' -> '{s.Holding}'"))})");
            }

            var toHolding = clock.Elapsed.TotalMilliseconds;
            var failedInFailover = Interlocked.Read(ref sidecars.HeartbeatFailures);
            Say(F($"- Leader kill -9: the next write committed after {toWrite:0} ms; every sidecar held its assignments again (stream re-opened, same stages) after {toHolding:0} ms; {failedInFailover} heartbeats failed in all so far (those sent to the killed node; the next goes to another)."));
            leader.Start();
            await Task.Delay(TimeSpan.FromSeconds(5));

            // Where it stops keeping up: 256 writers on top of the sidecars' load.
            var failuresBefore = Interlocked.Read(ref sidecars.HeartbeatFailures);
            sidecars.TakeHeartbeatLatencies();
            var done = 0L;
            var extra = new List<double>();
            using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(quick ? 5 : 15)))
            {
                clock.Restart();
                var next = pipelineCount + 1000;
                await Task.WhenAll(Enumerable.Range(0, 256).Select(w => Task.Run(async () =>
                {
                    while (!stop.IsCancellationRequested)
                    {
                        var i = Interlocked.Increment(ref next);
                        var started = Stopwatch.GetTimestamp();
                        try
                        {
                            await system.ControlPlaneOf(system.Nodes[i % system.Nodes.Count]).ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = Pipeline(i) }, deadline: DateTime.UtcNow.AddSeconds(5));
                            Interlocked.Increment(ref done);
                            lock (extra) extra.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                        }
                        catch (RpcException)
                        {
                        }
                    }
                })));
            }

            extra.Sort();
            heartbeats = sidecars.TakeHeartbeatLatencies();
            Say(F($"- Saturation: 256 writers on top of that load committed {done / clock.Elapsed.TotalSeconds:0} pipeline writes/s (p50 {Percentile(extra, 0.5):0} ms, p99 {Percentile(extra, 0.99):0} ms); meanwhile heartbeats p50 {Percentile(heartbeats, 0.5):0.0} ms, p99 {Percentile(heartbeats, 0.99):0.0} ms, {Interlocked.Read(ref sidecars.HeartbeatFailures) - failuresBefore} failed."));
            Say(F($"- RSS peak over the whole run: {string.Join(", ", system.Nodes.Select(n => $"{n.Name} {ProcessFigures.RssMiB(n.ProcessId).Peak:0} MiB"))} (router-{leader.Name[^1]} restarted after the failover)."));
        }
        catch (Exception e) when (e is RpcException or TimeoutException)
        {
            Say(F($"- Stopped keeping up: {e.GetType().Name}: {e.Message}"));
            return false;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }

        return true;
    }

    /// <summary>Pipeline i: in namespace i % 100, through services chosen by i, so pipelines share services and sidecars.</summary>
    public static PipelineDefinition Pipeline(int i) => new()
    {
        Ref = new PipelineRef { Namespace = $"ns-{i % SimulatedSidecars.Namespaces}", Name = $"p-{i:D6}" },
        Generation = 1,
        Stages =
        {
            new StageDefinition { Name = "source", Kind = StageKind.Source, Service = $"src-{i / SimulatedSidecars.Namespaces % SimulatedSidecars.ServicesPerKind}" },
            new StageDefinition { Name = "transform", Kind = StageKind.Transform, Service = $"tx-{i / 1000 % SimulatedSidecars.ServicesPerKind}", Inputs = { "source" } },
            new StageDefinition { Name = "sink", Kind = StageKind.Sink, Service = $"sink-{i / SimulatedSidecars.Namespaces % SimulatedSidecars.ServicesPerKind}", Inputs = { "transform" } },
        },
    };

    private static async Task ApplyAsync(RouterSystem system, Node first, PipelineDefinition pipeline, CancellationToken token)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var node = attempt == 0 ? first : system.Nodes.Where(n => n.IsRunning).ElementAt(attempt % system.Nodes.Count(n => n.IsRunning));
                await system.ControlPlaneOf(node).ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = pipeline }, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: token);
                return;
            }
            catch (RpcException) when (attempt < 20)
            {
                await Task.Delay(50, token);
            }
        }
    }

    private static async Task WaitAllHoldingAsync(SimulatedSidecars sidecars, TimeSpan deadline)
    {
        try
        {
            await UntilAsync(() => Task.FromResult(sidecars.Sidecars.All(s => s.Watching)), deadline);
        }
        catch (TimeoutException)
        {
            var waiting = sidecars.Sidecars.Where(s => !s.Watching).ToList();
            throw new TimeoutException($"{waiting.Count} simulated sidecars had no open assignment stream after {deadline.TotalSeconds:0} s (first: {string.Join(", ", waiting.Take(5).Select(s => s.Id))})");
        }
    }

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (RpcException)
            {
            }

            if (DateTime.UtcNow > until) throw new TimeoutException("the scale benchmark's condition did not hold in time");
            await Task.Delay(20);
        }
    }

    private static double SnapshotFilesMiB(Node node) =>
        node.Environment.TryGetValue("DATA_DIR", out var dir) && Directory.Exists(Path.Combine(dir, "snapshots"))
            ? new DirectoryInfo(Path.Combine(dir, "snapshots")).EnumerateFiles().OrderByDescending(f => f.LastWriteTimeUtc).Select(f => f.Length).FirstOrDefault() / 1048576.0
            : 0;

    private static int Number(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), out var n) ? n : fallback;

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string F(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
