namespace EtlRouter.Contracts;

/// <summary>
/// How a router or service address is written everywhere it is configured: host:port (plain HTTP/2), or an
/// http(s) URL with no path. The injector's etl.router/cluster-endpoint and etlctl's --router read it this way.
/// </summary>
public static class EndpointAddress
{
    public static bool TryParse(string text, out Uri address)
    {
        var explicitScheme = text.Contains("://", StringComparison.Ordinal);
        address = null!;
        if (!Uri.TryCreate(explicitScheme ? text.Trim() : $"http://{text.Trim()}", UriKind.Absolute, out var uri)) return false;
        if (uri.Scheme is not ("http" or "https") || uri.Host.Length == 0 || uri.AbsolutePath != "/") return false;

        // host:port must name its port; a URL may rely on its scheme's default.
        if (!explicitScheme && uri.IsDefaultPort) return false;
        address = uri;
        return true;
    }
}
