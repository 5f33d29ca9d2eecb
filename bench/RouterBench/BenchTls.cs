using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;

namespace EtlRouter.Bench;

/// <summary>
/// BENCH_TLS=1: both systems with mutual TLS, the router as shipped and etcd with client and peer certificate
/// authentication, every certificate from one CA made for the run (the router's identity format serves etcd too:
/// etcd checks the chain and the IP address, both there).
/// </summary>
public static class BenchTls
{
    public static bool On => Environment.GetEnvironmentVariable("BENCH_TLS") == "1";

    private static readonly Lazy<(string Root, X509Certificate2 Authority)> Ca = new(() =>
    {
        var root = Directory.CreateTempSubdirectory("etl-bench-tls-").FullName;
        return (root, AuthorityFiles.OpenOrCreate(Path.Combine(root, "ca"), TimeSpan.FromDays(1)));
    });

    public static string Scheme => On ? "https" : "http";

    /// <summary>A directory with ca.crt, tls.crt and tls.key for <paramref name="identity"/>.</summary>
    public static string DirectoryFor(PeerIdentity identity)
    {
        var directory = Path.Combine(Ca.Value.Root, identity.Name);
        if (!File.Exists(Path.Combine(directory, "tls.crt")))
            AuthorityFiles.Issue(Ca.Value.Authority, identity, ["127.0.0.1", "localhost"], TimeSpan.FromDays(1), directory);
        return directory;
    }

    /// <summary>The bench client's handler: an admin certificate, the run's CA trusted.</summary>
    public static SocketsHttpHandler Handler()
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (!On) return handler;
        var directory = DirectoryFor(PeerIdentity.Admin("bench"));
        var certificate = X509Certificate2.CreateFromPemFile(Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"));
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = [X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null)],
            RemoteCertificateValidationCallback = (_, presented, _, _) => presented is not null,
        };
        return handler;
    }
}
