using System.Buffers;
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
public sealed class RouterStateMachine(
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

        var payload = entry.TryGetPayload(out var sequence) ? sequence.ToArray() : await entry.ToByteArrayAsync(token: token).ConfigureAwait(false);
        if (payload.Length == 0)
        {
            // Raft's no-op entry at the start of each term.
            return false;
        }

        CommandResult result;
        Command? command = null;
        try
        {
            command = Command.Parser.ParseFrom(payload);
            if (command.BodyCase == Command.BodyOneofCase.Batch)
            {
                ApplyBatch(command.Batch, entry);
                return TakeSnapshot(entry.Index);
            }

            result = ApplyOne(command, entry.Index);
        }
        catch (InvalidProtocolBufferException e)
        {
            // Never reachable through the APIs (they validate first); a damaged entry must not stop the node.
            logger.LogError(e, "Log entry {Index} is not a router command; skipped", entry.Index);
            result = new CommandResult { NotFound = "unreadable log entry" };
        }

        result.Index = (ulong)entry.Index;
        (entry.Context as PendingCommand)?.Complete(result);
        if (command is not null) Applied?.Invoke(command, result);
        return TakeSnapshot(entry.Index);
    }

    private void ApplyBatch(CommandBatch batch, LogEntry entry)
    {
        var pending = (entry.Context as PendingBatch)?.Commands;
        for (var i = 0; i < batch.Commands.Count; i++)
        {
            var result = ApplyOne(batch.Commands[i], entry.Index);
            if (pending is not null && i < pending.Count) pending[i].Complete(result);
            Applied?.Invoke(batch.Commands[i], result);
        }
    }

    private CommandResult ApplyOne(Command command, long index) =>
        RouterLogFormat.CanRead(command.Format) && command.BodyCase != Command.BodyOneofCase.Batch
            ? applier.Apply(command, index)
            : new CommandResult { Index = (ulong)index, NotFound = $"log entry {index} has format {command.Format}; this router reads up to {RouterLogFormat.Current}; upgrade it" };

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
