using System.Globalization;
using System.Net;
using EtlRouter.Bench;
using EtlRouter.Bench.DataPlane;
using Microsoft.AspNetCore.Server.Kestrel.Core;

// DataPlaneBench: `run REPO RESULT [--quick]` measures the data plane against the raw chain; `sidecar REPO
// RESULT [--quick]` what one sidecar costs per build (start-up, RSS, records/s);
// `raw-relay --port P [--next host:port] [--bytes]` is one process of that chain.
if (args is ["raw-relay", "--port", var port, .. var rest])
{
    var builder = WebApplication.CreateSlimBuilder();
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(k =>
    {
        k.Listen(IPAddress.Loopback, int.Parse(port, CultureInfo.InvariantCulture), l => l.Protocols = HttpProtocols.Http2);
        k.Limits.Http2.InitialConnectionWindowSize = 16 << 20;
        k.Limits.Http2.InitialStreamWindowSize = 4 << 20;
    });
    builder.Services.AddGrpc(g => g.MaxReceiveMessageSize = 64 << 20);
    var next = rest.SkipWhile(a => a != "--next").Skip(1).FirstOrDefault();
    builder.Services.AddSingleton(new RawRelayOptions(next));
    builder.Services.AddSingleton(new RawSinkCounters());
    var app = builder.Build();
    // --bytes: forward batches as the bytes they arrived as (the last process, which counts, always decodes).
    if (rest.Contains("--bytes") && next is not null) app.MapGrpcService<RawBytesRelayService>();
    else app.MapGrpcService<RawRelayService>();
    await app.RunAsync();
    return 0;
}

if (args is ["nats-transform", var url, var batch])
{
    await NatsChain.TransformAsync(url, int.Parse(batch, CultureInfo.InvariantCulture));
    return 0;
}

if (args is ["sidecar", var footprintRepo, var footprintResult, .. var footprintOptions])
{
    return await SidecarFootprintReport.RunAsync(footprintRepo, footprintResult, footprintOptions.Contains("--quick"));
}

if (args is not ["run", var repo, var result, .. var options])
{
    Console.Error.WriteLine("usage: DataPlaneBench run REPO RESULT.md [--quick] | sidecar REPO RESULT.md [--quick] | raw-relay --port P [--next host:port]");
    return 2;
}

var quick = options.Contains("--quick");
var natsMissing = BenchTools.Missing("nats-server");
if (natsMissing is not null) Console.WriteLine($"{natsMissing}: the NATS JetStream reference is skipped");
var natsServer = natsMissing is null;
var self = typeof(RawChain).Assembly.Location;
const int BatchSize = 100;

// BENCH_ONLY=raw|raw-bytes|etl|etl-plaintext|etl-routed|NATS (or several, comma-separated) measures only those setups; the table then has only their rows.
var only = Environment.GetEnvironmentVariable("BENCH_ONLY");
var rows = new List<(Measurement Full, Measurement Half)>();
// A setup that fails is recorded and the run goes on, so the table holds every row that was measured.
var failed = new List<string>();
var window = SteadyWindow.For(quick);
// BENCH_SIZE=100|1024 measures one record size (a tuning aid, like BENCH_ONLY).
var sizes = int.TryParse(Environment.GetEnvironmentVariable("BENCH_SIZE"), out var onlySize) ? [onlySize] : new[] { 100, 1024 };
foreach (var size in sizes)
{
    var setups = new List<(string Name, Func<double, Task<Measurement>> Run)>
    {
        ("raw", rate => RawChain.RunAsync(self, size, BatchSize, rate, window, forwardBytes: false)),
        // The honest ceiling: relays that pass each batch on as the bytes it arrived as, as the sidecars do.
        ("raw-bytes", rate => RawChain.RunAsync(self, size, BatchSize, rate, window, forwardBytes: true)),
        // As shipped (mutual TLS on every hop), and with TLS_MODE=plaintext: the difference is what TLS costs.
        ("etl", rate => EtlChain.RunAsync(repo, size, BatchSize, rate, window, mutualTls: true)),
        ("etl-plaintext", rate => EtlChain.RunAsync(repo, size, BatchSize, rate, window, mutualTls: false)),
        // The transform -> sink edge conditional (every record meets it): what reading each record to route it costs.
        ("etl-routed", rate => EtlChain.RunAsync(repo, size, BatchSize, rate, window, mutualTls: true, condition: "status == 'active' or status != 'active'")),
    };
    if (natsServer)
    {
        setups.Add(("NATS", rate => NatsChain.RunAsync(self, size, BatchSize, rate, NATS.Client.JetStream.Models.StreamConfigStorage.File, window)));
        setups.Add(("NATS", rate => NatsChain.RunAsync(self, size, BatchSize, rate, NATS.Client.JetStream.Models.StreamConfigStorage.Memory, window)));
    }

    foreach (var (name, setup) in setups)
    {
        if (only is not null && !only.Split(',').Contains(name)) continue;
        try
        {
            var full = await setup(0);
            Console.WriteLine($"{full.Setup}, {size} B: {full.RecordsPerSecond:0} records/s");
            var halfRate = full.RecordsPerSecond / 2;
            var half = await setup(halfRate);
            Console.WriteLine($"  at {halfRate:0}/s: p50 {half.LatencyP50Ms} ms, p99 {half.LatencyP99Ms} ms");
            rows.Add((full, half));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            failed.Add($"{name}, {size} B: {e.GetType().Name}: {e.Message.Split('\n')[0]}");
            Console.WriteLine($"FAILED {failed[^1]}");
        }
    }
}

using var writer = new StreamWriter(result);
writer.WriteLine("| setup | record | records/s | MB/s | p50 / p99 at half rate | peak RSS MiB (full run) |");
writer.WriteLine("|---|---|---|---|---|---|");
foreach (var (full, half) in rows)
{
    writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {full.Setup} | {full.RecordBytes} B | {full.RecordsPerSecond:N0} | {full.MegabytesPerSecond:0.0} | {half.LatencyP50Ms:0.0} / {half.LatencyP99Ms:0.0} ms | {full.PeakRssText} |"));
}

writer.WriteLine();
foreach (var size in rows.Select(r => r.Full.RecordBytes).Distinct())
{
    var etl = rows.FirstOrDefault(r => r.Full.RecordBytes == size && r.Full.Setup.StartsWith("etl", StringComparison.Ordinal)).Full;
    if (etl is null) continue;
    foreach (var reference in rows.Where(r => r.Full.RecordBytes == size && !r.Full.Setup.StartsWith("etl", StringComparison.Ordinal)).Select(r => r.Full))
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"- {size} B: etl-router reaches {etl.RecordsPerSecond / reference.RecordsPerSecond:0.00}x of {reference.Setup}'s throughput."));
}

if (natsMissing is not null) writer.WriteLine($"\nNot measured in this run: NATS JetStream ({natsMissing}; skipped)");
if (failed.Count == 0) return 0;
writer.WriteLine("\nNot measured in this run (FAILED):");
foreach (var line in failed) writer.WriteLine($"- {line}");
await Console.Error.WriteLineAsync($"bench: {failed.Count} data-plane setup(s) failed ({string.Join("; ", failed)}); what was measured is in {result}");
return 1;
