using EtlRouter.Security.Identity;
using Grpc.Net.Client;

namespace EtlRouter.Security.Tls;

/// <summary>
/// The one way every process dials the router: the operator, etlctl, the sidecars, and router nodes dialling each
/// other. A long-lived channel, mutual TLS that accepts router identities only (unless plaintext), a 3 s connect
/// timeout, keep-alive pings that notice a dead node within seconds (watch streams live long), more HTTP/2
/// connections when one is full, and messages up to 64 MiB either way (a whole cluster's pipeline listing).
/// </summary>
public static class RouterChannel
{
    public const int MaxMessageBytes = 64 * 1024 * 1024;

    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    /// <param name="address">host:port or a URL of either scheme (<see cref="TlsSettings.Url"/>).</param>
    /// <param name="tls">This process's mutual TLS, or null in plaintext mode.</param>
    /// <param name="target">What is dialled, for the log line of a refused handshake ("the router at ...").</param>
    /// <param name="observe">Sees the handler once TLS is configured (etlctl watches the handshake to explain failures).</param>
    public static GrpcChannel Open(string address, MutualTls? tls, string target, Action<SocketsHttpHandler>? observe = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
        };
        tls?.Configure(handler, MutualTls.Roles(PeerRole.Router), target);
        observe?.Invoke(handler);
        return GrpcChannel.ForAddress(TlsSettings.Url(address, tls is not null), new GrpcChannelOptions
        {
            MaxReceiveMessageSize = MaxMessageBytes,
            MaxSendMessageSize = MaxMessageBytes,
            HttpHandler = handler,
        });
    }
}
