using System.Diagnostics;
using System.Globalization;
using EtlRouter.Contracts.V1;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;

namespace EtlRouter.Bench.DataPlane;

/// <summary>
/// What one sidecar costs a pod, per build: from process start to ready (registered with the router and serving,
/// its /readyz answering 200) and the CPU that took, on an otherwise idle machine; its RSS idle; then the
/// three-sidecar chain at full rate with the pipeline's default flow control: records/s and each sidecar's peak RSS.
/// </summary>
public static class SidecarFootprint
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(2) };

    /// <summary>Starts a router, a pass connector and one sidecar of <paramref name="binaries"/>, <paramref name="runs"/> times; the medians.</summary>
    public static async Task<(double Ready, double Cpu, double IdleRss)> StartUpAsync(string repo, EtlBinaries binaries, int runs)
    {
        var router = EtlBinaries.For(repo);
        using var processes = new Processes();
        var p = Processes.FreePorts(8);
        var data = Directory.CreateTempSubdirectory("etl-footprint-").FullName;
        var authority = AuthorityFiles.OpenOrCreate(Path.Combine(data, "ca"), TimeSpan.FromDays(1));
        Dictionary<string, string> Tls(PeerIdentity identity)
        {
            var directory = Path.Combine(data, "tls", identity.Name);
            AuthorityFiles.Issue(authority, identity, ["127.0.0.1"], TimeSpan.FromDays(1), directory);
            return new() { ["TLS_DIR"] = directory };
        }

        router.Start(processes, "router", router.Router, [], new(Tls(PeerIdentity.Router("1")))
        {
            ["RAFT_NODE_ID"] = "1", ["RAFT_PEERS"] = $"1=127.0.0.1:{p[0]}", ["GRPC_PORT"] = $"{p[1]}", ["GRAPHQL_PORT"] = $"{p[2]}",
            ["DATA_DIR"] = Path.Combine(data, "router"), ["BIND_ADDRESS"] = "127.0.0.1",
        });
        router.Start(processes, "transform", router.Connector, ["pass", "--name", "pass", "--port", $"{p[3]}", "--http-port", $"{p[4]}"]);
        await Until($"http://127.0.0.1:{p[4]}/healthz", TimeSpan.FromSeconds(60));

        // The router must be up and idle before the clock starts: give it time to elect itself and settle. Start 0
        // is not counted: it warms the router's registration path (compiled at its first call), which is not
        // the sidecar's cost.
        await Task.Delay(TimeSpan.FromSeconds(5));
        var ready = new List<double>();
        var cpu = new List<double>();
        var idle = new List<double>();
        for (var run = 0; run <= runs; run++)
        {
            var role = $"sidecar-{run}";
            using var sidecar = new Processes();
            var clock = Stopwatch.StartNew();
            binaries.StartSidecar(sidecar, role, new(Tls(PeerIdentity.Sidecar("bench", role)))
            {
                ["SIDECAR_ID"] = role, ["CLUSTER_ENDPOINT"] = $"127.0.0.1:{p[1]}", ["GRPC_PORT"] = $"{p[5]}", ["METRICS_PORT"] = $"{p[6]}",
                ["BIND_ADDRESS"] = "127.0.0.1", ["DISCOVERY_PORTS"] = $"{p[3]}", ["POD_NAMESPACE"] = "bench",
            });
            await Until($"http://127.0.0.1:{p[6]}/readyz", TimeSpan.FromSeconds(60));
            if (run == 0) continue;
            ready.Add(clock.Elapsed.TotalSeconds);
            cpu.Add(sidecar.CpuSeconds()[role]);

            // Idle: registered, heartbeating, no stage.
            await Task.Delay(TimeSpan.FromSeconds(10));
            idle.Add(sidecar.CurrentRss(role) / 1048576.0);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {role}: ready after {ready[^1]:0.000} s, {cpu[^1]:0.00} s CPU; idle RSS {idle[^1]:0.0} MiB"));
        }

        try
        {
            Directory.Delete(data, recursive: true);
        }
        catch (IOException)
        {
        }

        return (Median(ready), Median(cpu), Median(idle));
    }

    /// <summary>The chain at full rate with the pipeline's default flow control (nothing set).</summary>
    public static async Task<(double RecordsPerSecond, double PeakSidecarRssMiB)> LoadAsync(string repo, EtlBinaries binaries, int size, SteadyWindow window)
    {
        var measurement = await EtlChain.RunAsync(repo, size, 100, 0, window, mutualTls: true, binaries, new FlowControl());
        var sidecars = measurement.PeakRss.Where(p => p.Key.StartsWith("sidecar", StringComparison.Ordinal)).Select(p => p.Value / 1048576.0).DefaultIfEmpty(0).Max();
        return (measurement.RecordsPerSecond, sidecars);
    }

    private static async Task Until(string url, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (DateTime.UtcNow < until)
        {
            try
            {
                using var response = await Http.GetAsync(url);
                if (response.IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
            }

            await Task.Delay(10);
        }

        throw new TimeoutException($"timed out waiting for {url}");
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
