using Microsoft.Extensions.Hosting;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>Starts the Raft node with the host (before the gRPC port opens) and stops it cleanly on SIGTERM.</summary>
internal sealed class RaftNodeService(RaftNode node) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => node.StartAsync(cancellationToken);

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await node.StopAsync(cancellationToken).ConfigureAwait(false);
        await node.DisposeAsync().ConfigureAwait(false);
    }
}
