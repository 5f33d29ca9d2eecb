using System.Threading.Channels;
using EtlRouter.RouterRuntime.Integrity;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;

namespace EtlRouter.RouterRuntime.Consensus;

/// <summary>
/// Group commit on the leader: commands proposed while earlier entries are in flight are logged together as one
/// <see cref="CommandBatch"/> entry, so a Raft round costs the same for one writer or a hundred. Up to
/// <see cref="MaxRoundsInFlight"/> entries replicate at once; DotNext carries every entry appended since a
/// follower's last reply in one AppendEntries, so a second entry rides the round the first one started.
/// </summary>
/// <param name="replicate">Appends one entry with its context and completes once it is committed (DotNext's ReplicateAsync).</param>
/// <param name="writeFormat">The log format every voting member applies now (<see cref="ClusterLogFormat"/>): entries are written in it.</param>
/// <param name="lagging">Names the members that do not apply a format yet, for the refusal of a command that needs it.</param>
internal sealed class GroupCommitProposer(
    Func<ReadOnlyMemory<byte>, object, CancellationToken, Task> replicate,
    Func<uint> writeFormat,
    Func<uint, string> lagging) : IAsyncDisposable
{
    public const int MaxBatchCommands = 512;
    public const int MaxBatchBytes = 1024 * 1024;
    public const int MaxRoundsInFlight = 4;

    private readonly Channel<(Command Command, PendingCommand Pending)> proposals =
        Channel.CreateUnbounded<(Command, PendingCommand)>(new UnboundedChannelOptions { SingleReader = true });

    private readonly CancellationTokenSource stopping = new();
    private Task? loop;

    public void Start() => loop ??= Task.Run(() => ProposeLoopAsync(stopping.Token), CancellationToken.None);

    /// <summary>Queues a command and completes with what applying it produced, once it is committed and applied here.</summary>
    public async Task<CommandResult> ProposeAsync(Command command, CancellationToken token)
    {
        var pending = new PendingCommand();
        await proposals.Writer.WriteAsync((command, pending), token).ConfigureAwait(false);
        return await pending.Applied.WaitAsync(token).ConfigureAwait(false);
    }

    private async Task ProposeLoopAsync(CancellationToken token)
    {
        var reader = proposals.Reader;
        var inFlight = new List<Task>(MaxRoundsInFlight);
        while (await reader.WaitToReadAsync(token).ConfigureAwait(false))
        {
            // Decided as late as possible, per entry: a member that downgraded since a command was queued
            // must not be sent it.
            var format = writeFormat();
            var batch = new Command { Format = format, Batch = new CommandBatch() };
            var pendings = new List<PendingCommand>();
            var bytes = 0;
            while (pendings.Count < MaxBatchCommands && bytes < MaxBatchBytes && reader.TryRead(out var next))
            {
                if (RouterLogFormat.Requires(next.Command) is var needed && needed > format)
                {
                    next.Pending.Fail(new LogFormatNotActiveException(
                        $"{next.Command.BodyCase} needs log format {needed} on every router node, and the cluster writes format {format} ({lagging(needed)}); finish upgrading every router node first"));
                    continue;
                }

                next.Command.Format = format;
                batch.Batch.Commands.Add(next.Command);
                pendings.Add(next.Pending);
                bytes += next.Command.CalculateSize();
            }

            if (pendings.Count == 0) continue;

            // A lone command is logged as itself; the batch wrapper would only add bytes.
            var (entry, context) = pendings.Count == 1
                ? (batch.Batch.Commands[0], (object)pendings[0])
                : (batch, new PendingBatch(pendings));
            inFlight.Add(ReplicateEntryAsync(Encode(entry, format), context, pendings, token));
            if (inFlight.Count >= MaxRoundsInFlight) await Task.WhenAny(inFlight).ConfigureAwait(false);
            inFlight.RemoveAll(round => round.IsCompleted);
        }
    }

    // Format 2 and newer frame every entry with a checksum; format 1 members read only the bare command.
    private static byte[] Encode(Command entry, uint format) =>
        format >= RouterLogFormat.Checksummed ? LogEnvelope.Wrap(entry.ToByteArray(), format) : entry.ToByteArray();

    private async Task ReplicateEntryAsync(byte[] entry, object context, List<PendingCommand> pendings, CancellationToken token)
    {
        try
        {
            await replicate(entry, context, token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Not the leader any more, or the round failed: every caller sees it and retries (commands are idempotent).
            foreach (var pending in pendings) pending.Fail(e);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync().ConfigureAwait(false);
        if (loop is not null)
        {
            try
            {
                await loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }

        stopping.Dispose();
    }
}
