using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Api;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Backups;

/// <summary>
/// CreateBackup streams the replicated state, as one snapshot at one log index, in chunks; RestoreBackup reads
/// such a stream back, checks its format and every pipeline in it, and commits it as one command, so every node
/// replaces its state at the same index.
/// </summary>
internal sealed class BackupTransfer(RouterState state, WriteGateway gateway)
{
    private const int ChunkBytes = 1024 * 1024;

    /// <summary>The largest backup a router restores (and so the largest request it accepts at all).</summary>
    public const int MaxBackupBytes = 256 * 1024 * 1024;

    public async Task SendAsync(IServerStreamWriter<BackupChunk> responseStream, CancellationToken token)
    {
        byte[] bytes;
        BackupChunk first;
        lock (state.Sync)
        {
            // Serialized under the state lock: one consistent log index, nothing half-applied.
            var snapshot = state.ToSnapshot(Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow));
            bytes = snapshot.ToByteArray();
            first = new BackupChunk
            {
                AppliedIndex = snapshot.AppliedIndex,
                TakenAt = snapshot.TakenAt,
                Pipelines = (uint)snapshot.Pipelines.Count,
                Sidecars = (uint)snapshot.Sidecars.Count,
                DeadLetters = (uint)snapshot.DeadLetters.Count,
            };
        }

        // The first chunk carries the metadata (and is sent even for an empty state).
        var chunk = first;
        var offset = 0;
        do
        {
            var length = Math.Min(ChunkBytes, bytes.Length - offset);
            chunk.Data = ByteString.CopyFrom(bytes, offset, length);
            await responseStream.WriteAsync(chunk, token).ConfigureAwait(false);
            offset += length;
            chunk = new BackupChunk();
        }
        while (offset < bytes.Length);
    }

    public async Task<RestoreBackupResponse> RestoreAsync(IAsyncStreamReader<BackupChunk> requestStream, ServerCallContext context)
    {
        using var buffer = new MemoryStream();
        await foreach (var chunk in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            if (buffer.Length + chunk.Data.Length > MaxBackupBytes)
                throw RequestValidation.Invalid("data", $"the backup is larger than {MaxBackupBytes / (1024 * 1024)} MiB; this router cannot restore it");
            chunk.Data.WriteTo(buffer);
        }

        RouterSnapshot backup;
        try
        {
            backup = RouterSnapshot.Parser.ParseFrom(buffer.ToArray());
        }
        catch (InvalidProtocolBufferException e)
        {
            throw RequestValidation.Invalid("data", $"not a router backup ({e.Message}); pass a file written by 'etlctl backup create'");
        }

        if (!RouterLogFormat.CanRead(backup.Format))
            throw RequestValidation.Invalid("data", $"backup format {backup.Format} is newer than this router reads ({RouterLogFormat.Current}); upgrade the router first");
        for (var i = 0; i < backup.Pipelines.Count; i++) RequestValidation.Pipeline(backup.Pipelines[i].Definition, $"pipelines[{i}]");

        var result = await gateway.ProposeAsync(new Command { Restore = backup }, context, context.CancellationToken).ConfigureAwait(false);
        result.Restore.CommitIndex = result.Index;
        return result.Restore;
    }
}
