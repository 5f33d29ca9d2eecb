using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Integrity;

/// <summary>
/// Recovers a node that stopped at a damaged entry or snapshot: asks the leader (then any other member) for
/// its whole state at or past that entry (RouterPeer.FetchSnapshot), installs it and lets the node apply the
/// log from there. Retries until a peer can answer; a node halted on a format it does not apply waits for an
/// upgrade instead (a peer's state would hold what this build cannot represent).
/// </summary>
internal sealed class SnapshotRecovery(RaftNode node, PeerChannels peers, ILogger<SnapshotRecovery> logger) : BackgroundService
{
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan FetchDeadline = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Retry);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            if (node.Halt.Current is not { Kind: HaltKind.Damaged } halt) continue;
            try
            {
                await RecoverAsync(halt, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Recovery from a peer's snapshot not done yet; retrying");
            }
        }
    }

    private async Task RecoverAsync(HaltReport halt, CancellationToken token)
    {
        foreach (var (nodeId, grpc) in await CandidatesAsync(token).ConfigureAwait(false))
        {
            try
            {
                var snapshot = await FetchAsync(grpc, halt.Index, token).ConfigureAwait(false);
                if ((long)snapshot.AppliedIndex < halt.Index) continue;
                node.StateMachine.InstallFromPeer(snapshot, nodeId);
                return;
            }
            catch (RpcException e)
            {
                logger.LogInformation("Node {Node} cannot give its state past entry {Index} yet: {Detail}", nodeId, halt.Index, e.Status.Detail);
            }
        }
    }

    // The leader first (its state is the newest), then every other member.
    private async Task<List<(string NodeId, string Grpc)>> CandidatesAsync(CancellationToken token)
    {
        var candidates = new List<(string, string)>();
        var members = node.Cluster.Members.Where(m => m.IsRemote).OrderBy(m => m.IsLeader ? 0 : 1);
        foreach (var member in members)
        {
            var metadata = await RaftNode.MetadataAsync(member, token).ConfigureAwait(false);
            if (metadata?.GetValueOrDefault(RaftNode.GrpcMetadata) is { Length: > 0 } grpc)
                candidates.Add((metadata.GetValueOrDefault(RaftNode.NodeIdMetadata) ?? grpc, grpc));
        }

        return candidates;
    }

    private async Task<RouterSnapshot> FetchAsync(string grpc, long minIndex, CancellationToken token)
    {
        using var call = peers.For(grpc).FetchSnapshot(
            new FetchSnapshotRequest { MinAppliedIndex = (ulong)minIndex }, deadline: DateTime.UtcNow + FetchDeadline, cancellationToken: token);
        using var buffer = new MemoryStream();
        await foreach (var chunk in call.ResponseStream.ReadAllAsync(token).ConfigureAwait(false)) chunk.Data.WriteTo(buffer);
        return RouterSnapshot.Parser.ParseFrom(buffer.ToArray());
    }
}
