using System.Collections.Concurrent;
using EtlRouter.RouterRuntime.Security;
using Grpc.Net.Client;

namespace EtlRouter.RouterRuntime.Requests;

/// <summary>One long-lived gRPC channel per other router node, for forwarding and status fan-out.</summary>
internal sealed class PeerChannels(RouterTransport transport) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new(StringComparer.Ordinal);

    public Log.RouterPeer.RouterPeerClient For(string grpcAddress) => new(Channel(grpcAddress));

    public Contracts.V1.ControlPlane.ControlPlaneClient ControlPlaneFor(string grpcAddress) => new(Channel(grpcAddress));

    private GrpcChannel Channel(string grpcAddress) =>
        channels.GetOrAdd(grpcAddress, transport.PeerChannel);

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
    }
}
