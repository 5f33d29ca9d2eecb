namespace EtlRouter.Operator.Router;

/// <summary>Where the router cluster answers; bound from configuration section "Router".</summary>
public sealed class RouterSettings
{
    /// <summary>The router pipelines are pushed to (ROUTER_ENDPOINT); the Helm chart's EtlRouterCluster serves it.</summary>
    public string Endpoint { get; set; } = "http://etl-router.etl-system.svc:50051";

    /// <summary>How an EtlRouterCluster's client Service is reached, to read its Raft status.</summary>
    public string ClusterEndpointTemplate { get; set; } = "http://{name}.{namespace}.svc:{port}";

    /// <summary>How often a service's status is re-read from the router (sidecars come and go without a Kubernetes event).</summary>
    public TimeSpan StatusRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Deadline of one call to the router.</summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(5);

    public string ClusterEndpoint(string name, string @namespace, int port) =>
        ClusterEndpointTemplate.Replace("{name}", name, StringComparison.Ordinal)
            .Replace("{namespace}", @namespace, StringComparison.Ordinal)
            .Replace("{port}", port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
