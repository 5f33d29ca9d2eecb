using System.Net;
using EtlRouter.Contracts;
using EtlRouter.Security.Tls;
using EtlRouter.Contracts.Hosting;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.Sidecar.Configuration;

/// <summary>
/// The sidecar's settings, from the environment variables DESIGN.md and the injector use. A malformed value
/// stops the sidecar with the variable's name and an example, never a guess.
/// </summary>
internal sealed class SidecarOptions
{
    /// <summary>SIDECAR_ID: unique per sidecar; the pod name when injected.</summary>
    public required string SidecarId { get; init; }

    /// <summary>namespace/name of the pod (POD_NAMESPACE, POD_NAME), for status and events.</summary>
    public required string Pod { get; init; }

    /// <summary>POD_NAMESPACE: the namespace whose pipelines this sidecar may serve.</summary>
    public required string Namespace { get; init; }

    /// <summary>TLS_MODE and TLS_DIR: mutual TLS to the router and between sidecars (README, "Security").</summary>
    public required TlsSettings Tls { get; init; }

    /// <summary>
    /// CERTIFICATE_ENDPOINT: where the operator trades a ServiceAccount token for this sidecar's certificate
    /// (https://etl-operator-certificates.etl-system.svc:9444), when TLS_DIR holds no tls.crt of its own.
    /// </summary>
    public Uri? CertificateEndpoint { get; init; }

    /// <summary>SIDECAR_TOKEN_FILE: the pod's projected ServiceAccount token (audience etl-router), read anew on every renewal.</summary>
    public string? TokenFile { get; init; }

    /// <summary>TLS_CA_PEM: the install CA bundle, when TLS_DIR holds no ca.crt (the injector sets it).</summary>
    public string? CaBundlePem { get; init; }

    /// <summary>CLUSTER_ENDPOINT: any router node, as a URL (http://etl-router:50051).</summary>
    public required Uri ClusterEndpoint { get; init; }

    /// <summary>GRPC_PORT: where other sidecars send batches (SidecarDataPlane).</summary>
    public int GrpcPort { get; init; } = 9091;

    /// <summary>METRICS_PORT: HTTP /metrics, /healthz and /readyz.</summary>
    public int MetricsPort { get; init; } = 9092;

    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>ADVERTISE_ADDRESS (host:port) other sidecars dial; POD_IP:GRPC_PORT by default.</summary>
    public required string AdvertiseAddress { get; init; }

    /// <summary>DISCOVERY_PORTS: local ports scanned for services (ranges and lists: 50051-50060,7000).</summary>
    public required IReadOnlyList<int> DiscoveryPorts { get; init; }

    /// <summary>DISCOVERY_HOST: where the pod's own services listen (127.0.0.1).</summary>
    public string DiscoveryHost { get; init; } = "127.0.0.1";

    /// <summary>RESCAN_SECONDS: how often ports are scanned again for services that started late or left.</summary>
    public TimeSpan RescanInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>FLOW_REPORT_SECONDS: how often credit levels, backlog and counters go to the router.</summary>
    public TimeSpan FlowReportInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>RETRY_BASE_MS: the first retry's delay; each further one doubles it (with jitter).</summary>
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>EDGE_OPEN_TIMEOUT_MS: how long a receiver may take to answer an edge with its first credit.</summary>
    public TimeSpan EdgeOpenTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>REPLAY_POLL_SECONDS: how often the router is asked for dead letters to replay.</summary>
    public TimeSpan ReplayPollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>MAX_MESSAGE_BYTES: largest batch accepted on the data plane.</summary>
    public int MaxMessageBytes { get; init; } = 16 * 1024 * 1024;

    public static SidecarOptions FromEnvironment(Func<string, string?> read)
    {
        var env = new EnvironmentSettings(read, message => new SidecarConfigurationException(message));
        var grpcPort = env.Port("GRPC_PORT", 9091);
        var bind = env.IpAddress("BIND_ADDRESS", IPAddress.Any);
        var sidecarId = env.Text("SIDECAR_ID") ?? env.Text("POD_NAME") ?? Environment.MachineName;
        var podNamespace = env.Text("POD_NAMESPACE") ?? "local";
        var podName = env.Text("POD_NAME") ?? sidecarId;
        var advertiseHost = env.Text("POD_IP") ?? (bind.Equals(IPAddress.Any) ? "127.0.0.1" : bind.ToString());
        var advertise = env.HostPort("ADVERTISE_ADDRESS", new HostPort(advertiseHost, grpcPort).ToString()).ToString();

        var tls = TlsSettings.FromEnvironment(env);
        return new SidecarOptions
        {
            Namespace = podNamespace,
            Tls = tls,
            CertificateEndpoint = env.Text("CERTIFICATE_ENDPOINT") is { } certificates
                ? Uri.TryCreate(certificates, UriKind.Absolute, out var url) && url.Scheme == "https" ? url : throw env.Invalid("CERTIFICATE_ENDPOINT", certificates, "an https:// URL such as https://etl-operator-certificates.etl-system.svc:9444")
                : null,
            TokenFile = env.Text("SIDECAR_TOKEN_FILE"),
            CaBundlePem = env.Text("TLS_CA_PEM"),
            SidecarId = sidecarId,
            Pod = $"{podNamespace}/{podName}",
            ClusterEndpoint = tls.Address(Endpoint(env, env.Text("CLUSTER_ENDPOINT") ?? "etl-router:50051").ToString()),
            GrpcPort = grpcPort,
            MetricsPort = env.Port("METRICS_PORT", 9092),
            BindAddress = bind,
            AdvertiseAddress = advertise,
            DiscoveryPorts = ParsePorts(env.Text("DISCOVERY_PORTS") ?? "50051-50060"),
            DiscoveryHost = env.Text("DISCOVERY_HOST") ?? "127.0.0.1",
            RescanInterval = TimeSpan.FromSeconds(env.Number("RESCAN_SECONDS", 10, 1, 3600)),
            FlowReportInterval = TimeSpan.FromSeconds(env.Number("FLOW_REPORT_SECONDS", 2, 1, 3600)),
            RetryBaseDelay = TimeSpan.FromMilliseconds(env.Number("RETRY_BASE_MS", 100, 1, 60_000)),
            EdgeOpenTimeout = TimeSpan.FromMilliseconds(env.Number("EDGE_OPEN_TIMEOUT_MS", 5000, 100, 600_000)),
            ReplayPollInterval = TimeSpan.FromSeconds(env.Number("REPLAY_POLL_SECONDS", 1, 1, 3600)),
            MaxMessageBytes = env.Number("MAX_MESSAGE_BYTES", 16 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
        };
    }

    /// <summary>Accepts host:port or a URL; plain host:port means h2c (http://).</summary>
    private static Uri Endpoint(EnvironmentSettings env, string value) =>
        EndpointAddress.TryParse(value, out var uri)
            ? uri
            : throw env.Invalid("CLUSTER_ENDPOINT", value, "host:port or a URL, such as etl-router:50051 or http://127.0.0.1:50051");

    private static IReadOnlyList<int> ParsePorts(string text)
    {
        try
        {
            return PortList.Parse(text, "DISCOVERY_PORTS");
        }
        catch (FormatException e)
        {
            throw new SidecarConfigurationException(e.Message);
        }
    }
}
