using EtlRouter.Contracts;
using EtlRouter.Contracts.Hosting;

namespace EtlRouter.Security.Tls;

/// <summary>
/// How a process takes part in mutual TLS, from its environment: TLS_MODE (<c>mutual</c>, the default, or
/// <c>plaintext</c>) and TLS_DIR, the directory holding <c>ca.crt</c> (the install CA bundle), <c>tls.crt</c>
/// and <c>tls.key</c> (this process's identity), as a mounted Secret or cert-manager lays them out.
/// </summary>
public sealed record TlsSettings(TransportMode Mode, string Directory)
{
    public const string DefaultDirectory = "/var/run/etl-router/tls";

    public bool IsMutual => Mode == TransportMode.Mutual;

    /// <summary>http or https: the scheme of every address this process dials.</summary>
    public string Scheme => IsMutual ? "https" : "http";

    public string CaFile => Path.Combine(Directory, "ca.crt");

    public string CertificateFile => Path.Combine(Directory, "tls.crt");

    public string KeyFile => Path.Combine(Directory, "tls.key");

    public static TlsSettings FromEnvironment(EnvironmentSettings env)
    {
        var mode = env.Text("TLS_MODE") switch
        {
            null or "mutual" => TransportMode.Mutual,
            "plaintext" => TransportMode.Plaintext,
            var other => throw env.Invalid("TLS_MODE", other, "mutual (the default) or plaintext (no encryption, no identities; for a trusted sandbox only)"),
        };
        return new TlsSettings(mode, env.Text("TLS_DIR") ?? DefaultDirectory);
    }

    /// <summary>An address with this process's scheme: host:port gains it, a URL keeps its host and port.</summary>
    public Uri Address(string address) => Url(address, IsMutual);

    /// <summary>https:// (mutual TLS) or http:// for host:port or a URL of either scheme: the one rule every dialler uses.</summary>
    public static Uri Url(string address, bool mutual)
    {
        var scheme = mutual ? "https" : "http";
        var text = address.Contains("://", StringComparison.Ordinal) ? address : $"{scheme}://{address}";
        return new UriBuilder(new Uri(text)) { Scheme = scheme }.Uri;
    }
}
