using System.Collections.Concurrent;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Security;
using Grpc.Net.Client;

namespace EtlRouter.Sidecar.Connections;

/// <summary>
/// One HTTP/2 channel per address, shared by every stream to it: to other sidecars (data plane, mutual TLS) and
/// to the pod's own services (loopback, plaintext). Channels reconnect by themselves; keep-alive pings notice a
/// peer that vanished.
/// </summary>
internal sealed class GrpcChannels(SidecarOptions options, SidecarTransport transport) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, GrpcChannel> sidecars = new(StringComparer.Ordinal);

    /// <summary>The channel to one of the pod's own services, host:port or a URL.</summary>
    public GrpcChannel For(string address) => services.GetOrAdd(address, a => Create(a.Contains("://", StringComparison.Ordinal) ? new Uri(a) : new Uri($"http://{a}"), Handler()));

    /// <summary>The channel to another sidecar's data plane (host:port), over mutual TLS unless plaintext is set.</summary>
    public GrpcChannel ForSidecar(string address) => sidecars.GetOrAdd(address, a =>
    {
        var handler = Handler();
        transport.ForSidecar(handler, a);
        return Create(options.Tls.Address(a), handler);
    });

    private GrpcChannel Create(Uri address, SocketsHttpHandler handler) => GrpcChannel.ForAddress(address, new GrpcChannelOptions
    {
        MaxReceiveMessageSize = options.MaxMessageBytes,
        MaxSendMessageSize = options.MaxMessageBytes,
        HttpHandler = handler,
    });

    private static SocketsHttpHandler Handler() => new()
    {
        ConnectTimeout = TimeSpan.FromSeconds(3),
        KeepAlivePingDelay = TimeSpan.FromSeconds(10),
        KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
        EnableMultipleHttp2Connections = true,
    };

    public void Dispose()
    {
        foreach (var channel in services.Values.Concat(sidecars.Values)) channel.Dispose();
    }
}
