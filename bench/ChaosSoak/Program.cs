using System.Globalization;
using EtlRouter.Testing.ProcessRig;

// bench/ChaosSoak RESULT_FILE: a long chaos soak against the PostgreSQL in ETL_TEST_POSTGRES (bench/run starts one).
// SOAK_RECORDS, SOAK_RATE, SOAK_KILL_SECONDS and SOAK_SEED change its size; exit code 1 when anything was lost.
var postgres = Environment.GetEnvironmentVariable("ETL_TEST_POSTGRES");
if (string.IsNullOrEmpty(postgres))
{
    Console.Error.WriteLine("ETL_TEST_POSTGRES is not set: run it through bench/run (BENCH_SUITE=chaos), which starts PostgreSQL");
    return 2;
}

int Setting(string name, int fallback) => int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : fallback;
var settings = new ChaosSoakSettings(
    Records: Setting("SOAK_RECORDS", 90_000),
    Rate: Setting("SOAK_RATE", 600),
    KillEvery: TimeSpan.FromSeconds(Setting("SOAK_KILL_SECONDS", 3)),
    Seed: Setting("SOAK_SEED", 2026),
    Deadline: TimeSpan.FromMinutes(10));
var report = await ChaosSoak.RunAsync(postgres, settings, Console.WriteLine);
Console.WriteLine(report.Summary());
if (args.Length > 0)
{
    await File.WriteAllLinesAsync(args[0],
    [
        "# Chaos soak",
        string.Empty,
        $"Command: `BENCH_SUITE=chaos make bench` (bench/run), {DateTime.UtcNow:yyyy-MM-dd}. Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}.",
        string.Empty,
        "A pipeline with fan-out and a transform (source -> raw Postgres sink; source -> mask-pii -> masked Postgres sink), managed by",
        "the operator through an API server, on a three-node router, every hop mutual TLS. While the source produces, a driver",
        $"kill -9s a victim every {settings.KillEvery.TotalSeconds:0} s on average (kinds in shuffled rounds: a sidecar, the transform's or a sink's connector, a router node, the leader, or the",
        "operator) and restarts it 0.1-1.5 s later. Afterwards every record must be in each table once, or in the dead-letter queue.",
        string.Empty,
        "| records (x 2 sinks) | kills | written | dead-lettered | lost | duplicates | longest stall | elapsed |",
        "|---|---|---|---|---|---|---|---|",
        string.Create(CultureInfo.InvariantCulture, $"| {report.Records:N0} | {report.TotalKills} ({string.Join(", ", report.Kills.OrderBy(k => k.Key, StringComparer.Ordinal).Select(k => $"{k.Key} {k.Value}"))}) | {report.Written:N0} | {report.DeadLettered} | {report.Lost} | {report.Duplicates} | {report.LongestStall.TotalSeconds:0.0} s | {report.Elapsed.TotalSeconds:0} s |"),
        string.Empty,
        "The kills, in order:",
        string.Empty,
        "```",
        .. report.Timeline,
        "```",
    ]);
}

return report.Lost == 0 && report.Duplicates == 0 ? 0 : 1;
