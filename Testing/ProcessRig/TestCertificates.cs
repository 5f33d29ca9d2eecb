using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using EtlRouter.Security.Certificates;
using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging.Abstractions;

namespace EtlRouter.Testing.ProcessRig;

/// <summary>
/// One install CA per test run, in a temporary directory removed at exit, and the identities the tests' processes
/// and clients present: every process a test starts speaks mutual TLS, as shipped.
/// </summary>
public static class TestCertificates
{
    private static readonly string Root = Directory.CreateTempSubdirectory("etl-test-tls-").FullName;
    private static readonly Lazy<X509Certificate2> AuthorityCertificate = new(() =>
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Directory.Delete(Root, recursive: true);
        return AuthorityFiles.OpenOrCreate(Path.Combine(Root, "ca"), TimeSpan.FromDays(2));
    });

    private static readonly ConcurrentDictionary<PeerIdentity, Lazy<string>> Directories = new();
    private static readonly ConcurrentDictionary<PeerIdentity, MutualTls> Clients = new();

    /// <summary>What test code calls the router as, unless a test is about someone else.</summary>
    public static PeerIdentity Admin { get; } = PeerIdentity.Admin("tests");

    public static X509Certificate2 Authority => AuthorityCertificate.Value;

    /// <summary>The CA's directory (ca.crt and ca.key), for a router that signs sidecars' certificates.</summary>
    public static string AuthorityDirectory
    {
        get
        {
            _ = Authority;
            return Path.Combine(Root, "ca");
        }
    }

    /// <summary>A TLS_DIR holding ca.crt, tls.crt and tls.key for <paramref name="identity"/>.</summary>
    public static string DirectoryFor(PeerIdentity identity) => Directories.GetOrAdd(identity, id => new Lazy<string>(() =>
    {
        var directory = Path.Combine(Root, Uri.EscapeDataString(id.Uri[(id.Uri.IndexOf("//", StringComparison.Ordinal) + 2)..].Replace('/', '_')));
        AuthorityFiles.Issue(Authority, id, ["127.0.0.1", "localhost"], TimeSpan.FromDays(1), directory);
        return directory;
    })).Value;

    /// <summary>The operator's identity directory, as every test operator presents it.</summary>
    public static string OperatorDirectory => DirectoryFor(PeerIdentity.Operator("etl-operator"));

    /// <summary>A client end of mutual TLS as <paramref name="identity"/>, accepting any server the CA vouches for.</summary>
    public static MutualTls ClientAs(PeerIdentity identity) => Clients.GetOrAdd(identity, id =>
    {
        var certificates = new IdentityCertificates(new TlsSettings(TransportMode.Mutual, DirectoryFor(id)), TimeProvider.System, NullLogger.Instance);
        if (!certificates.Reload()) throw new InvalidOperationException($"cannot load the test identity {id}");
        return new MutualTls(certificates, NullLogger.Instance);
    });

    /// <summary>An HTTP handler that presents <paramref name="identity"/> (the admin when null) to a TLS server of the test CA.</summary>
    public static SocketsHttpHandler Handler(PeerIdentity? identity = null)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        ClientAs(identity ?? Admin).Configure(handler, _ => true, "a test server");
        return handler;
    }

    /// <summary>A gRPC channel to a router or sidecar (host:port or URL), over mutual TLS as <paramref name="identity"/>.</summary>
    public static GrpcChannel Channel(string address, PeerIdentity? identity = null, int maxMessageBytes = 64 * 1024 * 1024)
    {
        return GrpcChannel.ForAddress(TlsSettings.Url(address, mutual: true), new GrpcChannelOptions
        {
            MaxReceiveMessageSize = maxMessageBytes,
            MaxSendMessageSize = maxMessageBytes,
            HttpHandler = Handler(identity),
            DisposeHttpClient = true,
        });
    }
}
