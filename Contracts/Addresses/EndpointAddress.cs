namespace EtlRouter.Contracts.Addresses;

/// <summary>
/// How a router or service address is written everywhere it is configured: <see cref="HostPort"/> (plain
/// HTTP/2), or an http(s) URL with no path. The injector's etl.router/cluster-endpoint, the sidecar's
/// CLUSTER_ENDPOINT and etlctl's --router read it this way.
/// </summary>
public static class EndpointAddress
{
    public static bool TryParse(string text, out Uri address)
    {
        address = null!;
        var value = text.Trim();
        if (!value.Contains("://", StringComparison.Ordinal))
        {
            if (!HostPort.TryParse(value, out var hostPort, out _)) return false;
            address = new Uri($"http://{hostPort}");
            return true;
        }

        // A URL may rely on its scheme's default port.
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)) return false;
        if (uri.Scheme is not ("http" or "https") || uri.Host.Length == 0 || uri.AbsolutePath != "/") return false;
        address = uri;
        return true;
    }
}
