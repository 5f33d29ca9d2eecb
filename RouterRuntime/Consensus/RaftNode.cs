using System.Net;
using DotNext.Net.Cluster;
using DotNext.Net.Cluster.Consensus.Raft;
using DotNext.Net.Cluster.Consensus.Raft.Membership;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Configuration;
using EtlRouter.RouterRuntime.Integrity;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Security;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>
/// This process's member of the Raft group: DotNext's <see cref="RaftCluster"/> over TCP, a
/// <see cref="WriteAheadLog"/> under DATA_DIR/wal and the <see cref="RouterStateMachine"/> with its snapshots
/// under DATA_DIR/snapshots. Proposes commands when it leads (through the <see cref="GroupCommitProposer"/>);
/// says who leads when it does not.
/// </summary>
internal sealed class RaftNode(RouterNodeOptions options, RouterState state, RouterTransport transport, ApplyHalt halt, ILoggerFactory loggerFactory) : IAsyncDisposable
{
    public const string NodeIdMetadata = "node-id";
    public const string GrpcMetadata = "grpc";

    // DotNext's default WAL chunk is one OS page (4 KiB), one file and one mapping each: a restore of a few MiB
    // opened thousands of files and brought every node down (EMFILE, then out of memory). Fixed for the life
    // of a WAL directory.
    private const int WalChunkBytes = 8 * 1024 * 1024;

    private readonly ILogger logger = loggerFactory.CreateLogger<RaftNode>();
    private GroupCommitProposer? proposer;
    private RaftCluster? cluster;
    private WriteAheadLog? wal;
    private RouterStateMachine? stateMachine;

    public RouterNodeOptions Options => options;

    /// <summary>Whether this node applies its log, and if not, where it stopped and why.</summary>
    public ApplyHalt Halt => halt;

    public RouterStateMachine StateMachine => stateMachine ?? throw NotStarted();

    /// <summary>Raised after every command applied on this node.</summary>
    public event Action<Command, CommandResult>? Applied;

    public RaftCluster Cluster => cluster ?? throw NotStarted();

    public bool HasLeader => cluster?.Leader is not null;

    public bool IsLeader => cluster is { } c && !c.LeadershipToken.IsCancellationRequested;

    public long CommitIndex => wal?.LastCommittedEntryIndex ?? 0;

    public long AppliedIndex => wal?.LastAppliedIndex ?? 0;

    public long SnapshotIndex => stateMachine?.SnapshotIndex ?? 0;

    public long Term => cluster?.Term ?? 0;

    /// <summary>Completes once this node has applied the entry at <paramref name="index"/>.</summary>
    public ValueTask WaitForAppliedAsync(long index, CancellationToken token) =>
        (wal ?? throw NotStarted()).WaitForApplyAsync(index, token);

    public async Task StartAsync(CancellationToken token)
    {
        var root = Directory.CreateDirectory(options.DataDir).FullName;
        var applier = new CommandApplier(state, options.SidecarLease);
        stateMachine = new RouterStateMachine(
            new DirectoryInfo(Path.Combine(root, "snapshots")), state, applier, options.SnapshotInterval, options.MaxLogFormat, halt, WriteFormat,
            loggerFactory.CreateLogger<RouterStateMachine>());

        stateMachine.Applied += (command, result) => Applied?.Invoke(command, result);

        // DotNext reads the restored snapshot's index in the WAL's constructor: restore first.
        await stateMachine.RestoreAsync(token).ConfigureAwait(false);
        wal = new RouterWriteAheadLog(
            new WriteAheadLog.Options
            {
                // DotNext flushes every committed entry before acknowledging it (FlushOnCommit is always on).
                Location = Path.Combine(root, "wal"),
                ChunkSize = WalChunkBytes,
            },
            stateMachine,
            halt);

        var configuration = new RaftCluster.TcpConfiguration(new IPEndPoint(options.BindAddress, options.Self.Port))
        {
            PublicEndPoint = options.Self.EndPoint,
            LowerElectionTimeout = options.ElectionTimeoutLowerMs,
            UpperElectionTimeout = options.ElectionTimeoutUpperMs,
            RequestTimeout = TimeSpan.FromMilliseconds(options.ElectionTimeoutUpperMs * 4),
            ConnectTimeout = TimeSpan.FromMilliseconds(options.ElectionTimeoutLowerMs),
            LoggerFactory = loggerFactory,
            ColdStart = !options.Join && options.Peers.Count == 1,
            ConfigurationStorage = null,
            // Only router nodes on both ends: a handshake without a router certificate from the install CA fails.
            SslOptions = transport.Tls?.RaftOptions() is { } raftTls
                ? new DotNext.Net.Security.SslOptions { ServerOptions = raftTls.Server, ClientOptions = raftTls.Client }
                : null,
        };

        configuration.Metadata[NodeIdMetadata] = options.NodeId;
        configuration.Metadata[GrpcMetadata] = options.GrpcAdvertise;

        if (!options.Join && options.Peers.Count > 1 && configuration.ConfigurationStorage is InMemoryClusterConfigurationStorage<EndPoint> storage)
        {
            // The initial membership; once the group commits a change, the log's configuration wins.
            var members = storage.CreateInitialConfigurationBuilder();
            foreach (var peer in options.Peers) members.Add(peer.EndPoint);
            members.Build();
        }

        cluster = new RaftCluster(configuration) { AuditTrail = wal };
        cluster.LeaderChanged += (_, leader) => logger.LogInformation("Leader is now {Leader} (term {Term})", leader?.EndPoint, cluster.Term);
        await cluster.StartAsync(token).ConfigureAwait(false);
        // A node that stopped applying must not lead: its state is behind its log. It stands by until it resumes.
        halt.Halted += _ => StandByAsync(true);
        halt.Resumed += () => StandByAsync(false);
        if (halt.IsHalted) await cluster.EnableStandbyModeAsync(token).ConfigureAwait(false);
        proposer = new GroupCommitProposer((entry, context, ct) => cluster.ReplicateAsync(entry, context, ct).AsTask(), WriteFormat, LaggingMembers);
        proposer.Start();
        logger.LogInformation(
            "Raft node {Id} at {Address}, data in {DataDir}, applied {Applied}, snapshot {Snapshot}",
            options.NodeId, options.Self.Address, root, wal.LastAppliedIndex, stateMachine.SnapshotIndex);
    }

    /// <summary>
    /// Proposes a command on the leader and waits until it is committed and applied here; concurrent proposals
    /// share log entries (<see cref="GroupCommitProposer"/>).
    /// </summary>
    public Task<CommandResult> ReplicateAsync(Command command, CancellationToken token)
    {
        var proposing = proposer ?? throw NotStarted();
        command.IssuedAt = Timestamp.FromDateTime(DateTime.UtcNow);
        return proposing.ProposeAsync(command, token);
    }

    /// <summary>The leader's gRPC address, when a leader is known and has said it.</summary>
    public async Task<(string? NodeId, string? GrpcAddress)> LeaderAsync(CancellationToken token)
    {
        if (cluster?.Leader is not { } leader) return (null, null);
        var metadata = await MetadataAsync(leader, token).ConfigureAwait(false);
        return (metadata?.GetValueOrDefault(NodeIdMetadata), metadata?.GetValueOrDefault(GrpcMetadata));
    }

    public static async Task<IReadOnlyDictionary<string, string>?> MetadataAsync(RaftClusterMember member, CancellationToken token)
    {
        if (member.TryGetMetadata() is { } cached) return cached;
        try
        {
            return await member.GetMetadataAsync(refresh: false, token).AsTask().WaitAsync(TimeSpan.FromSeconds(1), token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException or MemberUnavailableException)
        {
            return null;
        }
    }

    /// <summary>The log format the cluster writes now (<see cref="ClusterLogFormat"/>), never newer than this node applies.</summary>
    public uint WriteFormat()
    {
        if (cluster is null) return RouterLogFormat.Oldest;
        var members = MemberAddresses();
        lock (state.Sync)
        {
            return Math.Min(options.MaxLogFormat, ClusterLogFormat.Effective(members, state.MemberFormats));
        }
    }

    private string LaggingMembers(uint needed)
    {
        var members = MemberAddresses();
        lock (state.Sync)
        {
            var lagging = ClusterLogFormat.Lagging(members, state.MemberFormats, needed);
            return options.MaxLogFormat < needed ? $"the leader, node {options.NodeId}, applies up to format {options.MaxLogFormat}" : lagging;
        }
    }

    private List<string> MemberAddresses() => Cluster.Members.Select(m => RaftPeer.AddressOf(m.EndPoint)).ToList();

    public NodeRole LocalRole() => IsLeader ? NodeRole.Leader : cluster?.Leader is null ? NodeRole.Candidate : NodeRole.Follower;

    /// <summary>This node as <c>GetClusterStatus</c> reports it.</summary>
    /// <param name="checkpointIndex">Report the hash at this checkpoint entry, if still remembered, instead of the newest.</param>
    public ClusterNode LocalStatus(long checkpointIndex = 0)
    {
        var stopped = halt.Current;
        var status = new ClusterNode
        {
            Id = options.NodeId,
            Address = options.Self.Address,
            GrpcAddress = options.GrpcAdvertise,
            Role = LocalRole(),
            Healthy = stopped is null,
            CommitIndex = (ulong)Math.Max(0, CommitIndex),
            Term = (ulong)Math.Max(0, Term),
            MaxLogFormat = options.MaxLogFormat,
            HaltedAtIndex = (ulong)(stopped?.Index ?? 0),
            HaltedReason = stopped?.Reason ?? string.Empty,
            LastRecovery = halt.LastRecovery ?? string.Empty,
        };
        lock (state.Sync)
        {
            // The state's own index: the hash and the index describe the same moment.
            status.AppliedIndex = (ulong)Math.Max(0, state.AppliedIndex);
            status.StateHash = state.Hash();
            var (index, hash) = checkpointIndex > 0 && state.Checkpoints.At(checkpointIndex) is { } asked
                ? (checkpointIndex, asked)
                : state.Checkpoints.Newest;
            status.CheckpointIndex = (ulong)index;
            status.CheckpointHash = hash;
        }

        return status;
    }

    public async Task<bool> AddMemberAsync(EndPoint address, CancellationToken token) =>
        await Cluster.AddMemberAsync(address, token).ConfigureAwait(false);

    public async Task<bool> RemoveMemberAsync(EndPoint address, CancellationToken token) =>
        await Cluster.RemoveMemberAsync(address, token).ConfigureAwait(false);

    public async Task StopAsync(CancellationToken token)
    {
        if (proposer is not null) await proposer.DisposeAsync().ConfigureAwait(false);
        if (cluster is not null) await cluster.StopAsync(token).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (cluster is not null) await cluster.DisposeAsync().ConfigureAwait(false);
        if (wal is not null) await wal.DisposeAsync().ConfigureAwait(false);
        if (stateMachine is not null) await stateMachine.DisposeAsync().ConfigureAwait(false);
    }

    private async void StandByAsync(bool standby)
    {
        try
        {
            if (standby) await Cluster.EnableStandbyModeAsync().ConfigureAwait(false);
            else await Cluster.RevertToNormalModeAsync().ConfigureAwait(false);
            logger.LogInformation(standby ? "Standing by: this node will not lead while it does not apply its log" : "This node may lead again");
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            logger.LogDebug(e, "Standby mode not changed (stopping)");
        }
    }

    private static InvalidOperationException NotStarted() => new("The Raft node has not started.");
}
