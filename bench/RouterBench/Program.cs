using System.Diagnostics;
using System.Globalization;
using EtlRouter.Bench;

// Router vs etcd on this machine, same workload, same client stack (gRPC .NET). Usage:
//   dotnet RouterBench.dll ROUTER_DLL RESULT_FILE [--quick]
// The router at scale (ten thousand simulated sidecars and pipelines, ScaleBench):
//   dotnet RouterBench.dll scale ROUTER_DLL RESULT_FILE [--quick]
if (args is ["scale", var scaleDll, var scaleResult, .. var scaleOptions])
    return await ScaleBench.RunAsync(scaleDll, scaleResult, scaleOptions.Contains("--quick"));

var routerDll = args[0];
var resultFile = args[1];
var quick = args.Contains("--quick");
const int ValueBytes = 256;
var root = Directory.CreateTempSubdirectory("etl-router-bench-").FullName;
var report = new List<string>();
var figures = new Dictionary<string, Dictionary<string, double>>();

// A part that fails, or needs a tool that is missing, is recorded and the run goes on: the results file always
// holds what was measured, and says what was not and why.
var notMeasured = new List<string>();
var failed = new List<string>();
async Task Part(SystemUnderTest system, string what, Func<Task> body)
{
    try
    {
        await body();
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        var line = $"{system.Name}: {what}: {e.GetType().Name}: {e.Message.Split('\n')[0]}";
        failed.Add(line);
        Console.WriteLine($"FAILED {line}");
    }
}

try
{
    var only = Environment.GetEnvironmentVariable("BENCH_ONLY");
    foreach (var system in new SystemUnderTest[] { new RouterSystem(routerDll, root, 21000), new EtcdSystem(root, 23000) })
    {
        if (only is not null && !system.Name.StartsWith(only, StringComparison.Ordinal)) continue;
        using (system)
        {
            Console.WriteLine($"== {system.Name}");
            var f = figures[system.Name] = [];
            Node leader = null!;
            var started = false;
            await Part(system, "start", async () =>
            {
                await system.StartAsync();
                leader = await system.LeaderAsync(CancellationToken.None);
                started = true;
            });
            if (!started) continue;

            // Commit latency: one writer, one small command at a time, to the leader.
            await Part(system, "commit latency", async () =>
            {
            var latencies = new List<double>();
            for (var i = 0; i < (quick ? 300 : 2200); i++)
            {
                var started = Stopwatch.GetTimestamp();
                await system.WriteAsync(leader, $"lat-{i}", ValueBytes, CancellationToken.None);
                if (i >= 200) latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            latencies.Sort();
            f["p50"] = Percentile(latencies, 0.50);
            f["p99"] = Percentile(latencies, 0.99);
            Console.WriteLine($"latency p50 {f["p50"]:F2} ms p99 {f["p99"]:F2} ms");
            });

            // Throughput: W concurrent writers for a fixed time.
            await Part(system, "throughput", async () =>
            {
            foreach (var writers in new[] { 1, 16, 128 })
            {
                var duration = TimeSpan.FromSeconds(quick ? 2 : 5);
                long done = 0;
                var cpuBefore = system.Nodes.Sum(n => ProcessFigures.CpuSeconds(n.ProcessId));
                using var stop = new CancellationTokenSource(duration);
                var clock = Stopwatch.StartNew();
                await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
                {
                    for (var i = 0; !stop.IsCancellationRequested; i++)
                    {
                        try
                        {
                            await system.WriteAsync(leader, $"tp{writers}-{w}-{i}", ValueBytes, CancellationToken.None);
                            Interlocked.Increment(ref done);
                        }
                        catch (Grpc.Core.RpcException)
                        {
                        }
                    }
                })));
                f[$"tps{writers}"] = done / clock.Elapsed.TotalSeconds;
                // Where the time goes: the nodes' CPU over the run (2 cores here; near 2 means CPU-bound).
                f[$"cpu{writers}"] = (system.Nodes.Sum(n => ProcessFigures.CpuSeconds(n.ProcessId)) - cpuBefore) / clock.Elapsed.TotalSeconds;
                f[$"cpuPerCommit{writers}"] = f[$"cpu{writers}"] * 1_000_000 / Math.Max(1, f[$"tps{writers}"]);
                Console.WriteLine($"{writers} writers: {f[$"tps{writers}"]:F0} commits/s");
            }
            });

            // Failover: kill -9 the leader, time until the next write commits through a surviving node.
            await Part(system, "failover", async () =>
            {
            var failovers = new List<double>();
            for (var round = 0; round < (quick ? 3 : 12); round++)
            {
                leader = await system.LeaderAsync(CancellationToken.None);
                var survivors = system.Nodes.Where(n => n != leader).ToList();
                var killedAt = Stopwatch.GetTimestamp();
                leader.Kill();
                for (var attempt = 0; ; attempt++)
                {
                    try
                    {
                        await system.WriteAsync(survivors[attempt % survivors.Count], $"fo-{round}-{attempt}", ValueBytes, CancellationToken.None);
                        break;
                    }
                    catch (Grpc.Core.RpcException)
                    {
                    }
                }

                failovers.Add(Stopwatch.GetElapsedTime(killedAt).TotalMilliseconds);
                Console.WriteLine($"  failover {round + 1}: {failovers[^1]:F0} ms");
                leader.Start();
                using var healthy = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                await WaitWritable(system, leader, healthy.Token);
            }

            failovers.Sort();
            f["failover"] = Percentile(failovers, 0.5);
            Console.WriteLine($"failover median {f["failover"]:F0} ms ({string.Join(", ", failovers.Select(x => x.ToString("F0", CultureInfo.InvariantCulture)))})");
            });

            // Snapshot and restore of a state of exactly 10,000 entries: a fresh cluster, so the figure does not
            // depend on how many writes the throughput runs above managed.
            if (BenchTools.Missing([.. system.SnapshotTools]) is { } missingTool)
            {
                notMeasured.Add($"{system.Name}: snapshot and restore: {missingTool}");
                Console.WriteLine($"SKIPPED {notMeasured[^1]}");
                continue;
            }

            await Part(system, "snapshot and restore", async () =>
            {
            await system.StartAsync();
            leader = await system.LeaderAsync(CancellationToken.None);
            var count = quick ? 1000 : 10_000;
            await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (i, token) =>
            {
                while (true)
                {
                    try
                    {
                        await system.WriteAsync(leader, $"snap-{i:D6}", ValueBytes, token);
                        return;
                    }
                    catch (Grpc.Core.RpcException)
                    {
                        leader = await system.LeaderAsync(token);
                    }
                }
            });
            var file = Path.Combine(root, $"{system.Name.Replace(' ', '-')}.snapshot");
            var snap = Stopwatch.StartNew();
            var size = await system.SnapshotAsync(file, CancellationToken.None);
            f["snapshot"] = snap.Elapsed.TotalMilliseconds;
            f["snapshotMiB"] = size / 1048576.0;
            if (system is RouterSystem) await system.StartAsync();
            var restore = Stopwatch.StartNew();
            await system.RestoreAsync(file, CancellationToken.None);
            f["restore"] = restore.Elapsed.TotalMilliseconds;
            Console.WriteLine($"snapshot {f["snapshot"]:F0} ms ({f["snapshotMiB"]:F1} MiB), restore {f["restore"]:F0} ms");
            });
        }
    }

    var ours = figures.GetValueOrDefault("etl-router") ?? [];
    var etcd = figures.GetValueOrDefault("etcd 3.4") ?? [];
    string Cell(Dictionary<string, double> f, string key, string unit) => f.TryGetValue(key, out var v) ? $"{v:F2} {unit}" : "not measured";
    string Row(string what, string key, string unit, bool higherIsBetter) =>
        $"| {what} | {Cell(ours, key, unit)} | {Cell(etcd, key, unit)} | " +
        (ours.TryGetValue(key, out var o) && etcd.TryGetValue(key, out var e) ? $"{(higherIsBetter ? o / e : e / o):F2}x |" : "- |");
    report.Add($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC on {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}; 3 nodes each on 127.0.0.1; {ValueBytes}-byte writes; {(quick ? "QUICK run" : "full run")}.");
    report.Add("");
    report.Add("| measure | etl-router | etcd 3.4.23 | router vs etcd (>1 = router better) |");
    report.Add("|---|---|---|---|");
    report.Add(Row("commit latency p50, 1 writer", "p50", "ms", false));
    report.Add(Row("commit latency p99, 1 writer", "p99", "ms", false));
    report.Add(Row("commits/s, 1 writer", "tps1", "/s", true));
    report.Add(Row("commits/s, 16 writers", "tps16", "/s", true));
    report.Add(Row("commits/s, 128 writers", "tps128", "/s", true));
    report.Add(Row("CPU of the three nodes at 16 writers (cores)", "cpu16", "", false));
    report.Add(Row("CPU of the three nodes at 128 writers (cores)", "cpu128", "", false));
    report.Add(Row("CPU per commit at 128 writers, all nodes", "cpuPerCommit128", "µs", false));
    report.Add(Row("kill -9 leader to next commit, median of " + (quick ? 3 : 12), "failover", "ms", false));
    report.Add(Row($"snapshot of {(quick ? 1000 : 10_000)} entries", "snapshot", "ms", false));
    report.Add(Row($"restore of {(quick ? 1000 : 10_000)} entries", "restore", "ms", false));
    report.Add($"| snapshot size | {Cell(ours, "snapshotMiB", "MiB")} | {Cell(etcd, "snapshotMiB", "MiB")} | |");
    if (notMeasured.Count + failed.Count > 0)
    {
        report.Add("");
        report.Add("Not measured in this run:");
        report.AddRange(notMeasured.Select(n => $"- {n} (skipped)"));
        report.AddRange(failed.Select(n => $"- {n} (FAILED)"));
    }

    await File.WriteAllLinesAsync(resultFile, report);
    Console.WriteLine(string.Join('\n', report));
    if (failed.Count == 0) return 0;
    await Console.Error.WriteLineAsync($"bench: {failed.Count} part(s) of the router comparison failed ({string.Join("; ", failed)}); what was measured is in {resultFile}");
    return 1;
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

static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

static async Task WaitWritable(SystemUnderTest system, Node node, CancellationToken token)
{
    for (var i = 0; ; i++)
    {
        try
        {
            await system.WriteAsync(node, $"back-{Guid.NewGuid():N}", 16, token);
            return;
        }
        catch (Grpc.Core.RpcException)
        {
            await Task.Delay(50, token);
        }
    }
}
