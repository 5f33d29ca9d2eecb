using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
using EtlRouter.RouterRuntime.Integrity;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>
/// DotNext's state machine for the router: applies committed log entries to <see cref="RouterState"/> and
/// writes a snapshot every <c>snapshotInterval</c> entries, which lets the log before it be dropped. The
/// snapshot is the same <see cref="RouterSnapshot"/> a backup holds.
/// </summary>
/// <remarks>
/// It never skips an entry it cannot apply faithfully: a damaged entry or snapshot, or one of a format this node
/// does not apply (<paramref name="maxFormat"/>), stops applying there (<see cref="ApplyHalt"/>). A damaged one
/// is recovered by <see cref="SnapshotRecovery"/>, which loads a peer's state at or past the entry; the entries
/// that state already covers are then passed over, as DotNext passes over those a snapshot holds.
/// </remarks>
internal sealed class RouterStateMachine(
    DirectoryInfo location,
    RouterState state,
    CommandApplier applier,
    int snapshotInterval,
    uint maxFormat,
    ApplyHalt halt,
    Func<uint> writeFormat,
    ILogger logger) : SimpleStateMachine(location)
{
    private long lastSnapshotIndex;

    // Entries up to here are part of a state installed from a peer (or a local snapshot written after one).
    private long coveredThrough;

    // Set by a recovery: write a snapshot at the next entry, so a restart meets neither the damage nor the gap.
    private int snapshotAfterRecovery;

    /// <summary>The log index of the newest snapshot this node wrote or installed.</summary>
    public long SnapshotIndex => Volatile.Read(ref lastSnapshotIndex);

    /// <summary>Raised after every applied command with its result, on every node.</summary>
    public event Action<Command, CommandResult>? Applied;

    protected override async ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (entry.IsConfiguration) return false;
        await halt.WhenAppliesAsync(token).ConfigureAwait(false);
        if (entry.Index <= Volatile.Read(ref coveredThrough))
        {
            FailWaiters(entry, "the entry was applied through a snapshot from a peer; retry the write");
            return SnapshotAfterRecovery(entry.Index);
        }

        ReadOnlyMemory<byte> bytes = entry.TryGetPayload(out var payload) && payload.IsSingleSegment
            ? payload.First
            : await entry.ToByteArrayAsync(token: token).ConfigureAwait(false);

        // Raft's no-op entry at the start of each term has no payload.
        if (bytes.Length == 0) return false;

        var decoded = LogEntryDecoder.Decode(bytes, entry.Index, maxFormat);
        if (decoded.Halt is { } report)
        {
            FailWaiters(entry, report.ToString());
            Stop(report);
            await halt.WhenAppliesAsync(token).ConfigureAwait(false);

            // Resumed: the state installed from a peer covers this entry.
            return SnapshotAfterRecovery(entry.Index);
        }

        var command = decoded.Command!;
        IReadOnlyList<Command> commands = command.BodyCase == Command.BodyOneofCase.Batch ? command.Batch.Commands : [command];
        var results = applier.ApplyEntry(commands, entry.Index);
        IReadOnlyList<PendingCommand> pending = Waiters(entry);
        for (var i = 0; i < results.Length; i++)
        {
            if (i < pending.Count) pending[i].Complete(results[i]);
            Applied?.Invoke(commands[i], results[i]);
        }

        return TakeSnapshot(entry.Index);
    }

    private static IReadOnlyList<PendingCommand> Waiters(LogEntry entry) => entry.Context switch
    {
        PendingCommand one => [one],
        PendingBatch batch => batch.Commands,
        _ => [],
    };

    // The leader's callers of an entry this node did not apply itself retry (every command is idempotent).
    private static void FailWaiters(LogEntry entry, string reason)
    {
        foreach (var waiter in Waiters(entry)) waiter.Fail(new InvalidOperationException(reason));
    }

    private bool TakeSnapshot(long index)
    {
        if (index - lastSnapshotIndex < snapshotInterval) return false;
        lastSnapshotIndex = index;
        return true;
    }

    private bool SnapshotAfterRecovery(long index)
    {
        if (Interlocked.Exchange(ref snapshotAfterRecovery, 0) == 0) return false;
        lastSnapshotIndex = index;
        return true;
    }

    /// <summary>
    /// Loads a peer's state at its applied index (at or past the entry this node stopped at) and resumes;
    /// called by <see cref="SnapshotRecovery"/> while <see cref="ApplyAsync"/> waits.
    /// </summary>
    public void InstallFromPeer(RouterSnapshot snapshot, string peer)
    {
        lock (state.Sync)
        {
            state.Load(snapshot);
        }

        Volatile.Write(ref coveredThrough, (long)snapshot.AppliedIndex);
        Volatile.Write(ref snapshotAfterRecovery, 1);
        state.NotifyChanged();
        state.NotifyAssignmentsTouched(null);
        halt.Resume($"recovered from node {peer}'s state at entry {snapshot.AppliedIndex}");
        logger.LogWarning("Recovered from node {Peer}'s state at entry {Index}; applying the log from there", peer, snapshot.AppliedIndex);
    }

    protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        byte[] bytes;
        lock (state.Sync)
        {
            bytes = state.ToSnapshot(Timestamp.FromDateTime(DateTime.UtcNow)).ToByteArray();
        }

        // A snapshot may be sent to a follower that is still on an older format: write what every member reads.
        var format = writeFormat();
        return writer.Invoke(format >= RouterLogFormat.Checksummed ? LogEnvelope.Wrap(bytes, format) : bytes, token);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        var index = SnapshotFileIndex(snapshotFile);
        var read = LogEnvelope.Read(await File.ReadAllBytesAsync(snapshotFile.FullName, token).ConfigureAwait(false));
        string? damage = read.Damage;
        RouterSnapshot? snapshot = null;
        if (damage is null && read.Format > maxFormat)
        {
            Stop(new HaltReport(index, HaltKind.Unsupported, $"the snapshot {snapshotFile.Name} is in log format {read.Format}; this router applies formats up to {maxFormat}; upgrade this node to a router that applies format {read.Format}", DateTime.UtcNow));
            return;
        }

        if (damage is null)
        {
            try
            {
                snapshot = RouterSnapshot.Parser.ParseFrom(read.Payload.Span);
            }
            catch (InvalidProtocolBufferException e)
            {
                damage = $"it does not parse as a router snapshot ({e.Message})";
            }
        }

        if (snapshot is null)
        {
            // Nothing to apply the log on top of: wait for a peer's state at or past this snapshot.
            Stop(new HaltReport(index, HaltKind.Damaged, $"the snapshot {snapshotFile.FullName} is damaged: {damage}", DateTime.UtcNow));
            return;
        }

        lock (state.Sync)
        {
            state.Load(snapshot);
            lastSnapshotIndex = state.AppliedIndex;
        }

        // After a recovery the snapshot file holds a peer's state past the file's own index.
        Volatile.Write(ref coveredThrough, state.AppliedIndex);
        state.NotifyChanged();
        state.NotifyAssignmentsTouched(null);
        logger.LogInformation("Restored snapshot at index {Index}: {Pipelines} pipelines, {Sidecars} sidecars", snapshot.AppliedIndex, snapshot.Pipelines.Count, snapshot.Sidecars.Count);
    }

    private void Stop(HaltReport report)
    {
        logger.LogError("This node {Report}", report);
        halt.Halt(report);
    }

    // DotNext names snapshot files "index-term".
    private static long SnapshotFileIndex(FileInfo file) =>
        long.TryParse(file.Name.Split('-')[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var index) ? index : 0;
}
