using EtlRouter.Contracts.V1;
using EtlRouter.Security.Tls;
using EtlRouter.Sidecar.Configuration;
using EtlRouter.Sidecar.Security;
using Grpc.Net.Client;

namespace EtlRouter.Sidecar.Connections;

/// <summary>The sidecar's one channel to the router cluster; any node answers and forwards writes.</summary>
internal sealed class RouterClients : IDisposable
{
    private readonly GrpcChannel channel;

    public RouterClients(SidecarOptions options, SidecarTransport transport)
    {
        channel = RouterChannel.Open(options.ClusterEndpoint.ToString(), transport.Tls, $"the router at {options.ClusterEndpoint}");
        Registry = new ServiceRegistry.ServiceRegistryClient(channel);
        Coordinator = new SidecarCoordinator.SidecarCoordinatorClient(channel);
        DeadLetters = new DeadLetters.DeadLettersClient(channel);
    }

    public ServiceRegistry.ServiceRegistryClient Registry { get; }

    public SidecarCoordinator.SidecarCoordinatorClient Coordinator { get; }

    public DeadLetters.DeadLettersClient DeadLetters { get; }

    public void Dispose() => channel.Dispose();
}
