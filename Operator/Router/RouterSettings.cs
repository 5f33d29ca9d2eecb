using System.Globalization;
using EtlRouter.Entities.Resources;

namespace EtlRouter.Operator.Router;

/// <summary>Which router cluster the install uses and how it is reached; bound from configuration section "Router".</summary>
internal sealed class RouterSettings
{
    /// <summary>
    /// The install's EtlRouterCluster, NAMESPACE/NAME (ROUTER_CLUSTER): pipelines that name none run on it, and the
    /// injected sidecars register with it. The Helm chart creates it and sets this.
    /// </summary>
    public string Cluster { get; set; } = "etl-system/etl-router";

    /// <summary>
    /// Where the install's router answers, when it is not an EtlRouterCluster in this Kubernetes (ROUTER_ENDPOINT:
    /// `make run`, tests). Unset: the cluster's client Service.
    /// </summary>
    public string? Endpoint { get; set; }

    /// <summary>How an EtlRouterCluster's client Service is reached.</summary>
    public string ClusterEndpointTemplate { get; set; } = "http://{name}.{namespace}.svc:{port}";

    /// <summary>How often a service's status is re-read from the router (sidecars come and go without a Kubernetes event).</summary>
    public TimeSpan StatusRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a transform's or sink's backlog is read when it has spec.scaling (HPA syncs every 15 s).</summary>
    public TimeSpan ScalingRefresh { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// TLS_MODE: <c>mutual</c> (the default: the operator presents its certificate from <see cref="TlsDirectory"/>
    /// and accepts only router nodes) or <c>plaintext</c> (a router started with TLS_MODE=plaintext).
    /// </summary>
    public string TlsMode { get; set; } = "mutual";

    /// <summary>TLS_DIR: ca.crt, tls.crt and tls.key of the operator's identity.</summary>
    public string TlsDirectory { get; set; } = EtlRouter.Security.Tls.TlsSettings.DefaultDirectory;

    /// <summary>Deadline of one call to the router.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The install's router address: <see cref="Endpoint"/>, else its cluster's client Service on the default port.</summary>
    public string DefaultEndpoint
    {
        get
        {
            if (Endpoint is { Length: > 0 } endpoint) return endpoint;
            var slash = Cluster.IndexOf('/', StringComparison.Ordinal);
            return ClusterEndpoint(Cluster[(slash + 1)..], Cluster[..slash], RouterClusterSpec.DefaultGrpcPort);
        }
    }

    public string ClusterEndpoint(string name, string @namespace, int port) =>
        ClusterEndpointTemplate.Replace("{name}", name, StringComparison.Ordinal)
            .Replace("{namespace}", @namespace, StringComparison.Ordinal)
            .Replace("{port}", port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
