using System.Globalization;
using System.Net;

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

    /// <summary>RAFT_JOIN=true: start empty and wait to be added with ControlPlane.AddClusterNode.</summary>
    public bool Join { get; init; }

    public string DataDir { get; init; } = "./data";

    public int GrpcPort { get; init; } = 50051;

    /// <summary>HTTP: health, metrics, and later GraphQL and the dashboard.</summary>
    public int HttpPort { get; init; } = 8080;

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

    public static RouterNodeOptions FromEnvironment(Func<string, string?> env)
    {
        var nodeId = Text(env, "RAFT_NODE_ID") ?? "1";
        var join = Flag(env, "RAFT_JOIN");
        var bind = Text(env, "BIND_ADDRESS") is { } b
            ? IPAddress.TryParse(b, out var ip) ? ip : throw Invalid("BIND_ADDRESS", b, "an IP address such as 0.0.0.0 or 127.0.0.1")
            : IPAddress.Any;
        var grpcPort = Port(env, "GRPC_PORT", 50051);
        var raftPort = Port(env, "RAFT_PORT", 7000);
        var peers = Text(env, "RAFT_PEERS") is { } p
            ? RaftPeer.ParseList(p, "RAFT_PEERS")
            : [new RaftPeer(nodeId, Host(bind), raftPort)];

        RaftPeer self;
        if (Text(env, "RAFT_ADDRESS") is { } address)
        {
            self = RaftPeer.Parse($"{nodeId}={address}", "RAFT_ADDRESS");
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

        var lower = Number(env, "RAFT_ELECTION_TIMEOUT_MS", 300, 50, 60_000);
        return new RouterNodeOptions
        {
            NodeId = nodeId,
            Peers = peers,
            Self = self,
            Join = join,
            DataDir = Text(env, "DATA_DIR") ?? "./data",
            GrpcPort = grpcPort,
            HttpPort = Port(env, "GRAPHQL_PORT", 8080),
            GrpcAdvertise = Text(env, "GRPC_ADVERTISE") ?? $"{self.Host}:{grpcPort}",
            BindAddress = bind,
            ElectionTimeoutLowerMs = lower,
            ElectionTimeoutUpperMs = lower * 2,
            SnapshotInterval = Number(env, "SNAPSHOT_INTERVAL", 1000, 10, 10_000_000),
            SidecarLease = TimeSpan.FromSeconds(Number(env, "SIDECAR_LEASE_SECONDS", 10, 1, 3600)),
            MaxMessageBytes = Number(env, "MAX_MESSAGE_BYTES", 4 * 1024 * 1024, 64 * 1024, 256 * 1024 * 1024),
        };
    }

    private static string Host(IPAddress bind) => bind.Equals(IPAddress.Any) ? "127.0.0.1" : bind.ToString();

    private static string? Text(Func<string, string?> env, string name) =>
        env(name) is { Length: > 0 } value ? value.Trim() : null;

    private static bool Flag(Func<string, string?> env, string name) => Text(env, name) switch
    {
        null or "false" or "0" => false,
        "true" or "1" => true,
        var other => throw Invalid(name, other, "true or false"),
    };

    private static int Port(Func<string, string?> env, string name, int fallback) => Number(env, name, fallback, 1, 65535);

    private static int Number(Func<string, string?> env, string name, int fallback, int min, int max)
    {
        if (Text(env, name) is not { } text) return fallback;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Invalid(name, text, $"a whole number from {min} to {max}");
        }

        return value;
    }

    private static RouterConfigurationException Invalid(string name, string value, string expected) =>
        new($"{name}: '{value}' is not valid; set it to {expected}.");
}
