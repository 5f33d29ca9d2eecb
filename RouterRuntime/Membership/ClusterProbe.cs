using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Consensus;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Membership;

/// <summary>
/// GetClusterStatus: this node's view of the Raft group, and every member's own view, asked in parallel and
/// briefly, so a dead node shows as unhealthy rather than as a hang.
/// </summary>
internal sealed class ClusterProbe(RaftNode node, PeerChannels peers)
{
    private static readonly TimeSpan MemberDeadline = TimeSpan.FromMilliseconds(750);

    public async Task<ClusterStatus> StatusAsync(CancellationToken token)
    {
        var (leaderId, _) = await node.LeaderAsync(token).ConfigureAwait(false);
        var status = new ClusterStatus
        {
            LeaderId = leaderId ?? string.Empty,
            Term = (ulong)Math.Max(0, node.Term),
            CommitIndex = (ulong)Math.Max(0, node.CommitIndex),
            AppliedIndex = (ulong)Math.Max(0, node.AppliedIndex),
            SnapshotIndex = (ulong)Math.Max(0, node.SnapshotIndex),
            AnsweredBy = node.Options.NodeId,
        };

        var probes = node.Cluster.Members.Select(async member =>
        {
            if (!member.IsRemote) return node.LocalStatus();
            var metadata = await RaftNode.MetadataAsync(member, token).ConfigureAwait(false);
            var fallback = new ClusterNode
            {
                Id = metadata?.GetValueOrDefault(RaftNode.NodeIdMetadata) ?? string.Empty,
                Address = Format(member.EndPoint),
                GrpcAddress = metadata?.GetValueOrDefault(RaftNode.GrpcMetadata) ?? string.Empty,
                Role = member.IsLeader ? NodeRole.Leader : NodeRole.Unspecified,
                Healthy = false,
            };
            if (fallback.GrpcAddress.Length == 0) return fallback;
            try
            {
                var answer = await peers.For(fallback.GrpcAddress).GetNodeStatusAsync(new NodeStatusRequest(), deadline: DateTime.UtcNow + MemberDeadline, cancellationToken: token).ConfigureAwait(false);
                answer.Address = fallback.Address;
                return answer;
            }
            catch (RpcException)
            {
                return fallback;
            }
        });
        status.Nodes.AddRange((await Task.WhenAll(probes).ConfigureAwait(false)).OrderBy(n => n.Id, StringComparer.Ordinal));
        return status;
    }

    // host:port as RAFT_PEERS writes it (a DnsEndPoint prints its address family first).
    private static string Format(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => new Contracts.HostPort(dns.Host, dns.Port).ToString(),
        System.Net.IPEndPoint ip => new Contracts.HostPort(ip.Address.ToString(), ip.Port).ToString(),
        _ => endPoint.ToString() ?? string.Empty,
    };
}
