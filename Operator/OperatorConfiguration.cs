using EtlRouter.Operator.Router;
using EtlRouter.OperatorRuntime;
using Microsoft.Extensions.Configuration;

namespace EtlRouter.Operator;

/// <summary>
/// Reads the operator's settings: sections "Operator" and "Router" of appsettings/command line, and the
/// environment variables a pod gets: POD_NAME (identity), POD_NAMESPACE (Lease namespace), ROUTER_CLUSTER (the
/// install's EtlRouterCluster, NAMESPACE/NAME), ROUTER_ENDPOINT (a router outside Kubernetes instead),
/// LEADER_ELECTION ("false" to turn it off).
/// </summary>
internal static class OperatorConfiguration
{
    public static (OperatorSettings Operator, RouterSettings Router) Read(IConfiguration configuration)
    {
        var operatorSettings = configuration.GetSection("Operator").Get<OperatorSettings>() ?? new OperatorSettings();
        var routerSettings = configuration.GetSection("Router").Get<RouterSettings>() ?? new RouterSettings();
        if (configuration["POD_NAME"] is { Length: > 0 } pod)
            operatorSettings.Identity = pod;
        if (configuration["POD_NAMESPACE"] is { Length: > 0 } ns)
            operatorSettings.Namespace = ns;
        if (configuration["ROUTER_CLUSTER"] is { Length: > 0 } cluster)
            routerSettings.Cluster = cluster;
        // A bare name is an EtlRouterCluster in the operator's own namespace.
        if (!routerSettings.Cluster.Contains('/', StringComparison.Ordinal))
            routerSettings.Cluster = $"{operatorSettings.Namespace}/{routerSettings.Cluster}";
        if (configuration["ROUTER_ENDPOINT"] is { Length: > 0 } endpoint)
            routerSettings.Endpoint = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "http://" + endpoint;
        if (configuration["TLS_MODE"] is { Length: > 0 } tlsMode)
            routerSettings.TlsMode = tlsMode;
        if (configuration["TLS_DIR"] is { Length: > 0 } tlsDirectory)
            routerSettings.TlsDirectory = tlsDirectory;
        if (configuration["LEADER_ELECTION"] is { } election && bool.TryParse(election, out var enabled))
            operatorSettings.LeaderElection = enabled;
        return (operatorSettings, routerSettings);
    }
}
