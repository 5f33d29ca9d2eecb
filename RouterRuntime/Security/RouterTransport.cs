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

    public GrpcChannel PeerChannel(string address) => RouterChannel.Open(address, tls, $"router node {address}");
}
