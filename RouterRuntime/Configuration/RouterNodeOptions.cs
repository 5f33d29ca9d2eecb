using System.Net;
using EtlRouter.Contracts;
using EtlRouter.Security.Tls;
using EtlRouter.Contracts.Hosting;
using EtlRouter.Contracts.Addresses;

namespace EtlRouter.RouterRuntime.Configuration;

/// <summary>
/// One router node's settings, read from the environment variables DESIGN.md names. Every malformed value
/// is refused at start with the variable's name and an example, never guessed at.
/// </summary>
internal sealed class RouterNodeOptions
{
    /// <summary>This node's id (RAFT_NODE_ID); it must appear in RAFT_PEERS unless the node joins later.</summary>
    public required string NodeId { get; init; }

    /// <summary>The initial members (RAFT_PEERS: <c>id=host:port,...</c>). Used once, to form the group.</summary>
    public required IReadOnlyList<RaftPeer> Peers { get; init; }

    /// <summary>This node's Raft address: its own RAFT_PEERS entry, or RAFT_ADDRESS when it joins later.</summary>
    public required RaftPeer Self { get; init; }

    /// <summary>
    /// The gRPC address of each RAFT_PEERS member (RAFT_PEERS_GRPC: <c>id=host:port,...</c>; default: the member's
    /// host with this node's GRPC_PORT, as in a StatefulSet). A node whose data is lost asks them for the leader
    /// before it has a Raft log to learn it from.
    /// </summary>
    public IReadOnlyDictionary<string, string> PeerGrpc { get; init; } = new Dictionary<string, string>();

    /// <summary>RAFT_JOIN=true: start empty and wait to be added with ControlPlane.AddClusterNode.</summary>
    public bool Join { get; init; }

    public string DataDir { get; init; } = "./data";

    public int GrpcPort { get; init; } = 50051;

    /// <summary>HTTP (GRAPHQL_PORT): health, metrics, GraphQL at /graphql and the dashboard at /.</summary>
    public int HttpPort { get; init; } = 8080;

    /// <summary>
    /// DASHBOARD_DIR: the built dashboard (web/, npm run build) the router serves at /. Default: the wwwroot
    /// folder beside the executable, where the build and the image put it.
    /// </summary>
    public string DashboardDirectory { get; init; } = Path.Combine(AppContext.BaseDirectory, "wwwroot");

    /// <summary>The address other routers and clients reach this node's gRPC at (GRPC_ADVERTISE).</summary>
    public required string GrpcAdvertise { get; init; }

    /// <summary>Interface to bind (BIND_ADDRESS); 0.0.0.0 in a pod, 127.0.0.1 in tests and local mode.</summary>
    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>Raft election timeout range; a failed leader is replaced within about the upper bound.</summary>
    public int ElectionTimeoutLowerMs { get; init; } = 300;

    public int ElectionTimeoutUpperMs { get; init; } = 600;

    /// <summary>Applied entries between snapshots; each snapshot lets the log before it be dropped.</summary>
    public int SnapshotInterval { get; init; } = 1000;

    /// <summary>A sidecar without heartbeats for this long loses its assignments.</summary>
    public TimeSpan SidecarLease { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Largest gRPC message accepted; anything bigger is refused before it is parsed.</summary>
    public int MaxMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// RAFT_LOG_FORMAT: the newest router log format this node applies and records for the leader (default: the
    /// newest this build has). Set lower only to run as an older router would, as the upgrade tests do.
    /// </summary>
    public uint MaxLogFormat { get; init; } = State.RouterLogFormat.Current;

    /// <summary>TLS_MODE and TLS_DIR: mutual TLS on the gRPC and Raft ports (README, "Security").</summary>
    public required TlsSettings Tls { get; init; }

    public static RouterNodeOptions FromEnvironment(Func<string, string?> read)
    {
        var env = new EnvironmentSettings(read, message => new RouterConfigurationException(message));
        var nodeId = env.Text("RAFT_NODE_ID") ?? StatefulSetOrdinal(env.Text("POD_NAME")) ?? "1";
        var join = env.Flag("RAFT_JOIN");
        var bind = env.IpAddress("BIND_ADDRESS", IPAddress.Any);
        var grpcPort = env.Port("GRPC_PORT", 50051);
        var raftPort = env.Port("RAFT_PORT", 7000);
        var peers = env.Text("RAFT_PEERS") is { } p
            ? RaftPeer.ParseList(p, "RAFT_PEERS")
            : [new RaftPeer(nodeId, Host(bind), raftPort)];

        RaftPeer self;
        if (env.Text("RAFT_ADDRESS") is { } address)
        {
            self = RaftPeer.Parse($"{nodeId}={address}", "RAFT_ADDRESS");

            // A node the initial membership does not list (a StatefulSet scaled up) joins: the group adds it.
            join |= env.Text("RAFT_PEERS") is not null && peers.All(peer => peer.Id != nodeId);
        }
        else
        {
            self = peers.FirstOrDefault(peer => peer.Id == nodeId)
                ?? throw new RouterConfigurationException(
                    $"RAFT_NODE_ID: '{nodeId}' is not in RAFT_PEERS ({string.Join(",", peers.Select(x => x.Id))}); " +
                    "add it there, or set RAFT_ADDRESS=host:port and RAFT_JOIN=true to join a running cluster.");
        }

        if (peers.GroupBy(peer => peer.Id).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
        {
            throw new RouterConfigurationException($"RAFT_PEERS: node id '{duplicate.Key}' appears twice; give every node its own id.");
        }

        var peerGrpc = peers.ToDictionary(peer => peer.Id, peer => new HostPort(peer.Host, grpcPort).ToString(), StringComparer.Ordinal);
        foreach (var listed in env.Text("RAFT_PEERS_GRPC") is { } g ? RaftPeer.ParseList(g, "RAFT_PEERS_GRPC") : [])
            peerGrpc[listed.Id] = listed.Address;

        var lower = env.Number("RAFT_ELECTION_TIMEOUT_MS", 300, 50, 60_000);
        return new RouterNodeOptions
        {
            NodeId = nodeId,
            Peers = peers,
            PeerGrpc = peerGrpc,
            Self = self,
            Join = join,
            DataDir = env.Text("DATA_DIR") ?? "./data",
            GrpcPort = grpcPort,
            HttpPort = env.Port("GRAPHQL_PORT", 8080),
            GrpcAdvertise = env.HostPort("GRPC_ADVERTISE", new HostPort(self.Host, grpcPort).ToString()).ToString(),
            BindAddress = bind,
            ElectionTimeoutLowerMs = lower,
            ElectionTimeoutUpperMs = lower * 2,
            SnapshotInterval = env.Number("SNAPSHOT_INTERVAL", 1000, 10, 10_000_000),
            SidecarLease = TimeSpan.FromSeconds(env.Number("SIDECAR_LEASE_SECONDS", 10, 1, 3600)),
            MaxMessageBytes = env.Number("MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
            DashboardDirectory = env.Text("DASHBOARD_DIR") ?? Path.Combine(AppContext.BaseDirectory, "wwwroot"),
            MaxLogFormat = (uint)env.Number("RAFT_LOG_FORMAT", (int)State.RouterLogFormat.Current, (int)State.RouterLogFormat.Oldest, (int)State.RouterLogFormat.Current),
            Tls = TlsSettings.FromEnvironment(env),
        };
    }

    // A StatefulSet's pod NAME-N is node N, on every Kubernetes version.
    private static string? StatefulSetOrdinal(string? podName) =>
        podName?.LastIndexOf('-') is int dash and > 0 && podName[(dash + 1)..] is { Length: > 0 } ordinal && ordinal.All(char.IsAsciiDigit)
            ? ordinal
            : null;

    private static string Host(IPAddress bind) => bind.Equals(IPAddress.Any) ? "127.0.0.1" : bind.ToString();
}
