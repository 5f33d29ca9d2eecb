using System.Globalization;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// etl-operator as a real process, configured the way its Deployment configures it (KUBECONFIG or the pod's
/// account, POD_NAME, POD_NAMESPACE, ROUTER_ENDPOINT), with short leases and backoffs so tests see takeovers
/// within seconds. Its webhooks listen on 127.0.0.1 and a free port, their certificate also naming 127.0.0.1,
/// so an API server can call them by URL. Killed on dispose.
/// </summary>
public sealed class OperatorProcess : IDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    public OperatorProcess(string identity, string kubeconfig, string routerEndpoint, Dictionary<string, string>? environment = null)
    {
        var ports = FreePorts.Take(3);
        Identity = identity;
        HttpPort = ports[0];
        WebhookPort = ports[1];
        CertificatePort = ports[2];
        var env = new Dictionary<string, string>
        {
            ["KUBECONFIG"] = kubeconfig,
            ["POD_NAME"] = identity,
            ["POD_NAMESPACE"] = "etl-system",
            ["ROUTER_ENDPOINT"] = routerEndpoint,
            ["Router__ClusterEndpointTemplate"] = routerEndpoint,
            ["Router__CallTimeout"] = "00:00:03",
            ["Router__StatusRefresh"] = "00:00:01",
            ["Operator__LeaseDuration"] = "00:00:03",
            ["Operator__RenewDeadline"] = "00:00:02",
            ["Operator__RetryPeriod"] = "00:00:00.300",
            ["Operator__BackoffBase"] = "00:00:00.100",
            ["Operator__BackoffMax"] = "00:00:02",
            ["Operator__WatchBackoffBase"] = "00:00:00.100",
            ["Operator__WatchBackoffMax"] = "00:00:01",
            ["Webhook__Port"] = WebhookPort.ToString(CultureInfo.InvariantCulture),
            ["Webhook__AdditionalHosts__0"] = "127.0.0.1",
            ["Webhook__CheckInterval"] = "00:00:01",
            ["Install__CertificatePort"] = CertificatePort.ToString(CultureInfo.InvariantCulture),
            ["Install__CheckInterval"] = "00:00:01",
            ["Logging__LogLevel__Default"] = "Information",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__System.Net.Http"] = "Warning",
        };
        foreach (var (key, value) in environment ?? []) env[key] = value;
        env.TryAdd("TLS_MODE", routerEndpoint.StartsWith("http://", StringComparison.Ordinal) ? "plaintext" : "mutual");
        env.TryAdd("TLS_DIR", TestCertificates.OperatorDirectory);
        Process = new ChildProcess(ChildProcess.Built("Operator", "etl-operator"), ["--urls", $"http://127.0.0.1:{HttpPort}"], env);
    }

    public string Identity { get; }

    /// <summary>Health and metrics (/healthz, /readyz, /metrics).</summary>
    public int HttpPort { get; }

    /// <summary>The admission webhooks (HTTPS).</summary>
    public int WebhookPort { get; }

    public Uri WebhookUrl => new($"https://127.0.0.1:{WebhookPort}/");

    /// <summary>Where sidecars trade a ServiceAccount token for a certificate (HTTPS, the operator's install-CA identity).</summary>
    public int CertificatePort { get; }

    public ChildProcess Process { get; }

    /// <summary>Starts it and waits until it answers /healthz.</summary>
    public async Task StartAsync()
    {
        Process.Start();
        await Eventually.WaitUntil(
            async () =>
            {
                if (Process.ExitCode is not null) throw new InvalidOperationException("etl-operator exited: " + Process.Describe());
                return (await Http.GetAsync($"http://127.0.0.1:{HttpPort}/healthz")).IsSuccessStatusCode;
            },
            $"etl-operator {Identity} up",
            TimeSpan.FromSeconds(30),
            Process.Describe);
    }

    public async Task<string> MetricsAsync() => await Http.GetStringAsync($"http://127.0.0.1:{HttpPort}/metrics");

    public void Dispose() => Process.Dispose();
}
