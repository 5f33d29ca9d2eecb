using System.Globalization;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// `DataPlaneBench sidecar REPO RESULT.md`: the sidecar's builds side by side in one run (SidecarFootprint), written
/// as a table. The Native AOT build is BENCH_SIDECAR_NATIVE (default .artifacts/sidecar-aot/etl-sidecar, which
/// bench/run publishes); without it those rows are skipped with a message.
/// </summary>
public static class SidecarFootprintReport
{
    public static async Task<int> RunAsync(string repo, string resultFile, bool quick)
    {
        var shipped = EtlBinaries.For(repo);
        var jit = shipped with { Sidecar = Path.Combine(repo, "Sidecar", "bin", "Release", "net10.0", "etl-sidecar.dll"), NativeSidecar = false };
        var native = Environment.GetEnvironmentVariable("BENCH_SIDECAR_NATIVE") is { Length: > 0 } path ? path : Path.Combine(repo, ".artifacts", "sidecar-aot", "etl-sidecar");
        var builds = new List<(string Name, EtlBinaries Binaries)>
        {
            ("JIT, server GC (the image until 2026-12-02)", jit with { SidecarEnvironment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" } }),
            ("JIT, workstation GC", jit with { SidecarEnvironment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" } }),
        };
        if (File.Exists(native))
        {
            builds.Add(("Native AOT, server GC (DATAS)", jit.WithNativeSidecar(native) with { SidecarEnvironment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" } }));
            builds.Add(("Native AOT, workstation GC", jit.WithNativeSidecar(native) with { SidecarEnvironment = new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" } }));
        }
        else
        {
            Console.WriteLine($"no Native AOT sidecar at {native} (dotnet publish Sidecar -c Release -r linux-x64 -p:PublishAot=true -o DIR): its rows are skipped");
        }

        // Tuning aids: BENCH_SIDECAR_ENV="K=V,K=V" adds a row, the Native AOT build with that environment (GC
        // settings under test); BENCH_SIDECAR_ONLY=TEXT measures only the builds whose name contains TEXT.
        if (Environment.GetEnvironmentVariable("BENCH_SIDECAR_ENV") is { Length: > 0 } extra && File.Exists(native))
        {
            var env = extra.Split(',').Select(kv => kv.Split('=', 2)).ToDictionary(kv => kv[0], kv => kv[1]);
            builds.Add(($"Native AOT, {extra}", jit.WithNativeSidecar(native) with { SidecarEnvironment = env }));
        }

        if (Environment.GetEnvironmentVariable("BENCH_SIDECAR_ONLY") is { Length: > 0 } only)
            builds.RemoveAll(b => !b.Name.Contains(only, StringComparison.Ordinal));

        var window = SteadyWindow.For(quick);
        var rows = new List<string>();
        foreach (var (name, binaries) in builds)
        {
            Console.WriteLine($"== {name}");
            var (ready, cpu, idle) = await SidecarFootprint.StartUpAsync(repo, binaries, quick ? 1 : 3);
            var load = new List<string>();
            foreach (var size in new[] { 100, 1024 })
            {
                var (perSecond, peak) = await SidecarFootprint.LoadAsync(repo, binaries, size, window);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {size} B: {perSecond:0} records/s, sidecar peak RSS {peak:0.0} MiB"));
                load.Add(string.Create(CultureInfo.InvariantCulture, $"{perSecond:N0} | {peak:0}"));
            }

            rows.Add(string.Create(CultureInfo.InvariantCulture, $"| {name} | {ready:0.00} s | {cpu:0.00} s | {idle:0} | {string.Join(" | ", load)} |"));
        }

        var report = new List<string>
        {
            "# What one sidecar costs, per build",
            "",
            string.Create(CultureInfo.InvariantCulture, $"Command: `dotnet bench/DataPlaneBench/bin/Release/net10.0/DataPlaneBench.dll sidecar $PWD RESULT.md{(quick ? " --quick" : "")}` (`BENCH_SUITE=sidecar make bench`), {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC. Machine: {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}."),
            "",
            "Ready: from process start until the sidecar is registered with the router and serving (`/readyz` answers 200), a one-node router",
            "and the pass connector already running and idle, mutual TLS as shipped; the median of " + (quick ? "1 start" : "3 starts") + ", with the sidecar's CPU by then.",
            "Idle RSS: 10 s after ready, registered and heartbeating, no stage. Load: source -> transform -> sink through three sidecars of",
            "that build at full rate with the pipeline's default flow control (1000 records, 8 MiB, batches of 100 per edge); the router and",
            "connectors as shipped (JIT); records/s over a " + (quick ? "5 s window after 5 s" : "15 s window after 15 s") + " of warm-up, and the largest peak RSS of the three sidecars.",
            "",
            "| build | ready | CPU to ready | idle RSS MiB | records/s 100 B | peak RSS MiB 100 B | records/s 1 KiB | peak RSS MiB 1 KiB |",
            "|---|---|---|---|---|---|---|---|",
        };
        report.AddRange(rows);
        await File.WriteAllLinesAsync(resultFile, report);
        Console.WriteLine(string.Join('\n', report));
        return 0;
    }
}
