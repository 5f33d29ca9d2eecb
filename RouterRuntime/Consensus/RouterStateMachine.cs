using DotNext.IO;
using DotNext.Net.Cluster.Consensus.Raft.StateMachine;
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
internal sealed class RouterStateMachine(
    DirectoryInfo location,
    RouterState state,
    CommandApplier applier,
    int snapshotInterval,
    ILogger logger) : SimpleStateMachine(location)
{
    private long lastSnapshotIndex;

    /// <summary>The log index of the newest snapshot this node wrote or installed.</summary>
    public long SnapshotIndex => Volatile.Read(ref lastSnapshotIndex);

    /// <summary>Raised after every applied command with its result, on every node.</summary>
    public event Action<Command, CommandResult>? Applied;

    protected override async ValueTask<bool> ApplyAsync(LogEntry entry, CancellationToken token)
    {
        if (entry.IsConfiguration) return false;

        Command command;
        try
        {
            command = entry.TryGetPayload(out var payload)
                ? Command.Parser.ParseFrom(payload)
                : Command.Parser.ParseFrom(await entry.ToByteArrayAsync(token: token).ConfigureAwait(false));
        }
        catch (InvalidProtocolBufferException e)
        {
            // Never reachable through the APIs (they validate first); a damaged entry must not stop the node.
            logger.LogError(e, "Log entry {Index} is not a router command; skipped", entry.Index);
            (entry.Context as PendingCommand)?.Complete(new CommandResult { Index = (ulong)entry.Index, NotFound = "unreadable log entry" });
            return TakeSnapshot(entry.Index);
        }

        // Raft's no-op entry at the start of each term has no payload.
        if (command.BodyCase == Command.BodyOneofCase.None) return false;

        IReadOnlyList<Command> commands = command.BodyCase == Command.BodyOneofCase.Batch ? command.Batch.Commands : [command];
        var results = applier.ApplyEntry(commands, entry.Index);
        IReadOnlyList<PendingCommand> pending = entry.Context switch
        {
            PendingCommand one => [one],
            PendingBatch batch => batch.Commands,
            _ => [],
        };
        for (var i = 0; i < results.Length; i++)
        {
            if (i < pending.Count) pending[i].Complete(results[i]);
            Applied?.Invoke(commands[i], results[i]);
        }

        return TakeSnapshot(entry.Index);
    }

    private bool TakeSnapshot(long index)
    {
        if (index - lastSnapshotIndex < snapshotInterval) return false;
        lastSnapshotIndex = index;
        return true;
    }

    protected override ValueTask PersistAsync(IAsyncBinaryWriter writer, CancellationToken token)
    {
        byte[] bytes;
        lock (state.Sync)
        {
            bytes = state.ToSnapshot(Timestamp.FromDateTime(DateTime.UtcNow)).ToByteArray();
        }

        return writer.Invoke(bytes, token);
    }

    protected override async ValueTask RestoreAsync(FileInfo snapshotFile, CancellationToken token)
    {
        var bytes = await File.ReadAllBytesAsync(snapshotFile.FullName, token).ConfigureAwait(false);
        var snapshot = RouterSnapshot.Parser.ParseFrom(bytes);
        lock (state.Sync)
        {
            state.Load(snapshot);
            lastSnapshotIndex = state.AppliedIndex;
        }

        state.NotifyChanged();
        logger.LogInformation("Restored snapshot at index {Index}: {Pipelines} pipelines, {Sidecars} sidecars", snapshot.AppliedIndex, snapshot.Pipelines.Count, snapshot.Sidecars.Count);
    }
}
