using System.Collections.Concurrent;
using EtlRouter.Sidecar.Configuration;
using Grpc.Net.Client;

namespace EtlRouter.Sidecar.Flow;

/// <summary>
/// One HTTP/2 channel per address, shared by every stream to it: to other sidecars (data plane) and to the
/// pod's own services. Channels reconnect by themselves; keep-alive pings notice a peer that vanished.
/// </summary>
internal sealed class GrpcChannels(SidecarOptions options) : IDisposable
{
    private readonly ConcurrentDictionary<string, GrpcChannel> channels = new(StringComparer.Ordinal);

    /// <summary>The channel for host:port or a URL.</summary>
    public GrpcChannel For(string address) => channels.GetOrAdd(address, Create);

    private GrpcChannel Create(string address) => GrpcChannel.ForAddress(
        address.Contains("://", StringComparison.Ordinal) ? address : $"http://{address}",
        new GrpcChannelOptions
        {
            MaxReceiveMessageSize = options.MaxMessageBytes,
            MaxSendMessageSize = options.MaxMessageBytes,
            HttpHandler = new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(3),
                KeepAlivePingDelay = TimeSpan.FromSeconds(10),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
                KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
                EnableMultipleHttp2Connections = true,
            },
        });

    public void Dispose()
    {
        foreach (var channel in channels.Values) channel.Dispose();
    }
}
