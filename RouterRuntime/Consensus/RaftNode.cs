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
    private bool standbyWired;

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

    /// <summary>Whether the Raft member runs (false while a node that lost its data waits to be re-added).</summary>
    public bool IsRunning => cluster is not null;

    /// <summary>
    /// Opens DATA_DIR and joins the group. Data that cannot be opened, or a log gone from a member of a running
    /// group (decided with the peers, <see cref="LostDataRejoin"/>), does not crash the process: the node serves
    /// its status without a Raft member, halted with the reason, until it is re-added as a new member.
    /// </summary>
    public async Task StartAsync(CancellationToken token)
    {
        var root = Directory.CreateDirectory(options.DataDir).FullName;
        if (!options.Join && options.Peers.Count > 1 && !Directory.Exists(Path.Combine(root, "wal")))
        {
            // A new group's node and a member whose volume was replaced look the same from here: the peers decide
            // (LostDataRejoin), and until they have, this node runs no Raft member, so it cannot vote.
            AwaitsPeersVerdict = true;
            logger.LogInformation("Node {Id}: {DataDir} holds no log; asking the other nodes whether the group is new or running", options.NodeId, root);
            return;
        }

        try
        {
            await OpenAndStartAsync(join: options.Join, token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !token.IsCancellationRequested)
        {
            await StopStartedAsync().ConfigureAwait(false);
            halt.Halt(new HaltReport(0, HaltKind.DataLost,
                $"its data in {root} cannot be opened ({e.GetType().Name}: {e.Message.Split('\n')[0]}); it is set aside (kept for inspection) and the node re-added as a new member once a leader is known", DateTime.UtcNow));
            logger.LogCritical("Node {Id} {Halt}", options.NodeId, halt.Current);
        }
    }

    /// <summary>Set while a node with no log waits for its peers to say whether the group is new.</summary>
    public bool AwaitsPeersVerdict { get; private set; }

    /// <summary>
    /// Starts the Raft member on an empty DATA_DIR: as a node of a new group (<paramref name="join"/> false), or as a
    /// new member waiting to be added (true). Whatever a failed open left in memory is dropped first.
    /// </summary>
    public async Task StartFreshAsync(bool join, CancellationToken token)
    {
        AwaitsPeersVerdict = false;
        lock (state.Sync) state.Load(new RouterSnapshot());
        await OpenAndStartAsync(join, token).ConfigureAwait(false);
    }

    /// <summary>Moves the log and snapshots aside, into DATA_DIR/damaged-TIME (never deleted); returns that folder.</summary>
    public string SetAsideData()
    {
        var root = Path.GetFullPath(options.DataDir);
        var aside = Path.Combine(root, $"damaged-{DateTime.UtcNow:yyyyMMdd'T'HHmmss'Z'}");
        Directory.CreateDirectory(aside);
        foreach (var name in new[] { "wal", "snapshots" })
        {
            var from = Path.Combine(root, name);
            if (Directory.Exists(from)) Directory.Move(from, Path.Combine(aside, name));
        }

        return aside;
    }

    private async Task OpenAndStartAsync(bool join, CancellationToken token)
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
            ColdStart = !join && options.Peers.Count == 1,
            ConfigurationStorage = null,
            // Only router nodes on both ends: a handshake without a router certificate from the install CA fails.
            SslOptions = transport.Tls?.RaftOptions() is { } raftTls
                ? new DotNext.Net.Security.SslOptions { ServerOptions = raftTls.Server, ClientOptions = raftTls.Client }
                : null,
        };

        configuration.Metadata[NodeIdMetadata] = options.NodeId;
        configuration.Metadata[GrpcMetadata] = options.GrpcAdvertise;

        if (!join && options.Peers.Count > 1 && configuration.ConfigurationStorage is InMemoryClusterConfigurationStorage<EndPoint> storage)
        {
            // The initial membership; once the group commits a change, the log's configuration wins.
            var members = storage.CreateInitialConfigurationBuilder();
            foreach (var peer in options.Peers) members.Add(peer.EndPoint);
            members.Build();
        }

        var starting = new RaftCluster(configuration) { AuditTrail = wal };
        starting.LeaderChanged += (_, leader) => logger.LogInformation("Leader is now {Leader} (term {Term})", leader?.EndPoint, starting.Term);
        try
        {
            // The log is read here (DotNext initialises it as the member starts): a damaged one fails here.
            await starting.StartAsync(token).ConfigureAwait(false);
        }
        catch
        {
            // Free the Raft port, or the empty member started after this failure could not bind it.
            await DisposeQuietlyAsync(starting).ConfigureAwait(false);
            throw;
        }

        cluster = starting;
        if (!standbyWired)
        {
            // A node that stopped applying must not lead: its state is behind its log. It stands by until it resumes.
            standbyWired = true;
            halt.Halted += report => { if (report.Kind != HaltKind.DataLost) StandByAsync(true); };
            halt.Resumed += () => StandByAsync(false);
        }

        if (halt.Current is { Kind: not HaltKind.DataLost }) await starting.EnableStandbyModeAsync(token).ConfigureAwait(false);
        proposer = new GroupCommitProposer((entry, context, ct) => starting.ReplicateAsync(entry, context, ct).AsTask(), WriteFormat, LaggingMembers);
        proposer.Start();
        logger.LogInformation(
            "Raft node {Id} at {Address}, data in {DataDir}, applied {Applied}, snapshot {Snapshot}{Joining}",
            options.NodeId, options.Self.Address, root, wal.LastAppliedIndex, stateMachine.SnapshotIndex, join ? ", waiting to be added to the group" : string.Empty);
    }

    /// <summary>Drops what a failed start opened, so the files it holds can be moved aside.</summary>
    private async Task StopStartedAsync()
    {
        foreach (var opened in new IAsyncDisposable?[] { cluster, wal, stateMachine })
            await DisposeQuietlyAsync(opened).ConfigureAwait(false);

        cluster = null;
        wal = null;
        stateMachine = null;
    }

    /// <summary>Disposes what a failed start left open; a failure to close it changes nothing about that failure.</summary>
    private async Task DisposeQuietlyAsync(IAsyncDisposable? opened)
    {
        try
        {
            if (opened is not null) await opened.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Closing {What} after a failed start", opened?.GetType().Name);
        }
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
            // "lost its data: …" for a node waiting to be re-added (HaltedAtIndex 0): etlctl and the dashboard say so.
            HaltedReason = stopped is { Kind: HaltKind.DataLost } ? stopped.ToString() : stopped?.Reason ?? string.Empty,
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
