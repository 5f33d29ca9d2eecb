using EtlRouter.Security.Identity;
using EtlRouter.Security.Tls;
using Grpc.Net.Client;

namespace EtlRouter.RouterRuntime.Security;

/// <summary>
/// This node's transport security: null <see cref="Tls"/> in plaintext mode. Makes the channels a node dials to
/// other nodes (forwarding, status), which speak mutual TLS to router identities only.
/// </summary>
internal sealed class RouterTransport(MutualTls? tls)
{
    public MutualTls? Tls => tls;

    public bool IsMutual => tls is not null;

    public GrpcChannel PeerChannel(string address, GrpcChannelOptions options)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(3), EnableMultipleHttp2Connections = true };
        tls?.Configure(handler, MutualTls.Roles(PeerRole.Router), $"router node {address}");
        options.HttpHandler = handler;
        return GrpcChannel.ForAddress(TlsSettings.Url(address, tls is not null), options);
    }
}
