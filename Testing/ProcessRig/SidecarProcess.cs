using System.Globalization;
using System.Text.Json;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>An etl-sidecar as a real process on 127.0.0.1 that discovers only the connectors of its "pod".</summary>
public sealed class SidecarProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public SidecarProcess(string id, string clusterEndpoint, IEnumerable<int> discoveryPorts, Dictionary<string, string>? environment = null)
    {
        var ports = FreePorts.Take(2);
        Id = id;
        GrpcPort = ports[0];
        MetricsPort = ports[1];
        var env = new Dictionary<string, string>
        {
            ["SIDECAR_ID"] = id,
            ["POD_NAMESPACE"] = "default",
            ["POD_NAME"] = id,
            ["CLUSTER_ENDPOINT"] = clusterEndpoint,
            ["GRPC_PORT"] = GrpcPort.ToString(CultureInfo.InvariantCulture),
            ["METRICS_PORT"] = MetricsPort.ToString(CultureInfo.InvariantCulture),
            ["BIND_ADDRESS"] = "127.0.0.1",
            ["DISCOVERY_PORTS"] = string.Join(',', discoveryPorts),
            ["RESCAN_SECONDS"] = "1",
            ["FLOW_REPORT_SECONDS"] = "1",
            ["RETRY_BASE_MS"] = "20",
            ["REPLAY_POLL_SECONDS"] = "1",
            ["EDGE_OPEN_TIMEOUT_MS"] = "2000",
        };
        foreach (var (key, value) in environment ?? []) env[key] = value;
        env.TryAdd("TLS_DIR", TestCertificates.DirectoryFor(EtlRouter.Security.Identity.PeerIdentity.Sidecar(env["POD_NAMESPACE"], id)));
        Process = new ChildProcess(ChildProcess.Built("Sidecar", "etl-sidecar"), [], env);
    }

    public string Id { get; }

    public int GrpcPort { get; }

    public int MetricsPort { get; }

    public string Address => $"127.0.0.1:{GrpcPort}";

    public ChildProcess Process { get; }

    /// <summary>Starts it and waits until the router acknowledged its registration (/readyz).</summary>
    public async Task StartAsync()
    {
        Process.Start();
        await WaitReadyAsync();
    }

    public async Task WaitReadyAsync() =>
        await Eventually.WaitUntil(async () => (await Http.GetAsync($"http://127.0.0.1:{MetricsPort}/readyz")).IsSuccessStatusCode,
            $"sidecar {Id} registered", TimeSpan.FromSeconds(30), Process.Describe);

    /// <summary>What the sidecar would report to the router now (stages and edges), from /flow.</summary>
    public async Task<JsonElement> FlowAsync() =>
        JsonDocument.Parse(await Http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/flow")).RootElement;

    public async Task<string> MetricsAsync() => await Http.GetStringAsync($"http://127.0.0.1:{MetricsPort}/metrics");

    public void Dispose() => Process.Dispose();
}
