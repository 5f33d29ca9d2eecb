using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Security;
using Grpc.Net.Client;

namespace EtlRouter.Sidecar.Coordination;

/// <summary>The sidecar's one channel to the router cluster; any node answers and forwards writes.</summary>
internal sealed class RouterClients : IDisposable
{
    private readonly GrpcChannel channel;

    public RouterClients(SidecarOptions options, SidecarTransport transport)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(3),
            // Watch streams live long; keep-alive pings notice a dead router node within seconds.
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            EnableMultipleHttp2Connections = true,
        };
        transport.ForRouter(handler);
        channel = GrpcChannel.ForAddress(options.ClusterEndpoint, new GrpcChannelOptions { MaxReceiveMessageSize = 64 * 1024 * 1024, HttpHandler = handler });
        Registry = new ServiceRegistry.ServiceRegistryClient(channel);
        Coordinator = new SidecarCoordinator.SidecarCoordinatorClient(channel);
        DeadLetters = new DeadLetters.DeadLettersClient(channel);
    }

    public ServiceRegistry.ServiceRegistryClient Registry { get; }

    public SidecarCoordinator.SidecarCoordinatorClient Coordinator { get; }

    public DeadLetters.DeadLettersClient DeadLetters { get; }

    public void Dispose() => channel.Dispose();
}
