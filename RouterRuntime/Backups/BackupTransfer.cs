using EtlRouter.Contracts.Backups;
using EtlRouter.Contracts.V1;
using EtlRouter.RouterRuntime.Api;
using EtlRouter.RouterRuntime.Log;
using EtlRouter.RouterRuntime.Requests;
using EtlRouter.RouterRuntime.State;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.RouterRuntime.Backups;

/// <summary>
/// CreateBackup streams the replicated state, as one snapshot at one log index, in chunks of a checked backup file
/// (<see cref="BackupFile"/>); RestoreBackup reads such a stream back, checks the file (format, checksum, the counts
/// its header promises, every pipeline in it) and what it would replace, and only then commits it as one command,
/// so every node replaces its state at the same index. A peer recovering from damage gets the bare snapshot.
/// </summary>
internal sealed class BackupTransfer(RouterState state, WriteGateway gateway)
{
    /// <summary>The largest backup a router restores (and so the largest request it accepts at all).</summary>
    public const int MaxBackupBytes = 256 * 1024 * 1024;

    /// <param name="framed">A backup file for people (true), or the bare snapshot a recovering peer installs.</param>
    public async Task SendAsync(IServerStreamWriter<BackupChunk> responseStream, bool framed, CancellationToken token)
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
            if (framed)
            {
                bytes = BackupFile.Write(
                    new BackupHeader
                    {
                        AppliedIndex = first.AppliedIndex, TakenAt = first.TakenAt, Pipelines = first.Pipelines, Sidecars = first.Sidecars,
                        DeadLetters = first.DeadLetters, StateFormat = snapshot.Format,
                    },
                    bytes);
            }
        }

        // The first chunk carries the metadata (and is sent even for an empty state).
        foreach (var chunk in BackupChunks.Of(bytes, first)) await responseStream.WriteAsync(chunk, token).ConfigureAwait(false);
    }

    public async Task<RestoreBackupResponse> RestoreAsync(IAsyncStreamReader<BackupChunk> requestStream, ServerCallContext context)
    {
        using var buffer = new MemoryStream();
        RestoreOptions? options = null;
        await foreach (var chunk in requestStream.ReadAllAsync(context.CancellationToken).ConfigureAwait(false))
        {
            options ??= chunk.Restore ?? new RestoreOptions();
            if (buffer.Length + chunk.Data.Length > MaxBackupBytes)
                throw RequestValidation.Invalid("data", $"the backup is larger than {MaxBackupBytes / (1024 * 1024)} MiB; this router cannot restore it");
            chunk.Data.WriteTo(buffer);
        }

        options ??= new RestoreOptions();
        var backup = Check(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), options);
        var plan = Plan(backup);
        if (options.DryRun)
        {
            plan.DryRun = true;
            return plan;
        }

        if (plan.Removed.Count > 0 && !options.Force)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"restoring this backup would remove {plan.Removed.Count} pipeline(s) it does not hold ({Listed(plan.Removed)}); nothing was restored. " +
                "Check with a dry run, then restore with force (etlctl backup restore --force) to replace them"));
        }

        var result = await gateway.ProposeAsync(new Command { Restore = backup }, context, context.CancellationToken).ConfigureAwait(false);
        plan.CommitIndex = result.Index;
        plan.Pipelines = result.Restore.Pipelines;
        plan.DeadLetters = result.Restore.DeadLetters;
        return plan;
    }

    /// <summary>The snapshot in a backup file, after every check; a refusal names the check and changes nothing.</summary>
    private static RouterSnapshot Check(ReadOnlyMemory<byte> file, RestoreOptions options)
    {
        var reading = BackupFile.Read(file);
        if (reading.Problem is { } problem)
            throw RequestValidation.Invalid("data", $"the backup is refused: {problem}; nothing was restored");
        if (reading.IsUnverified && !options.AcceptUnverified)
            throw RequestValidation.Invalid("data", $"the backup has no integrity header (written before backup format {BackupFile.Format}), so it cannot be checked; restore it with etlctl, which warns and asks for it explicitly");

        RouterSnapshot backup;
        try
        {
            backup = RouterSnapshot.Parser.ParseFrom(reading.Content.Span);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw RequestValidation.Invalid("data", $"not a router backup ({e.Message}); pass a file written by 'etlctl backup create'");
        }

        if (reading.Header is { } header)
        {
            var holds = $"{backup.Pipelines.Count} pipelines, {backup.Sidecars.Count} sidecars, {backup.DeadLetters.Count} dead letters at index {backup.AppliedIndex}";
            var says = $"{header.Pipelines} pipelines, {header.Sidecars} sidecars, {header.DeadLetters} dead letters at index {header.AppliedIndex}";
            if (holds != says) throw RequestValidation.Invalid("data", $"the backup is refused: its state holds {holds}, its header says {says}; nothing was restored");
        }

        if (!RouterLogFormat.CanRead(backup.Format))
            throw RequestValidation.Invalid("data", $"backup format {backup.Format} is newer than this router reads ({RouterLogFormat.Current}); upgrade the router first");
        for (var i = 0; i < backup.Pipelines.Count; i++) RequestValidation.Pipeline(backup.Pipelines[i].Definition, $"pipelines[{i}]");
        return backup;
    }

    /// <summary>What restoring <paramref name="backup"/> would change, compared with the state now.</summary>
    private RestoreBackupResponse Plan(RouterSnapshot backup)
    {
        var restored = backup.Pipelines.ToDictionary(p => RouterState.Key(p.Definition.Ref), p => p.Definition, StringComparer.Ordinal);
        var plan = new RestoreBackupResponse { Pipelines = (uint)backup.Pipelines.Count, DeadLetters = (uint)backup.DeadLetters.Count };
        lock (state.Sync)
        {
            plan.PipelinesBefore = (uint)state.Pipelines.Count;
            plan.DeadLettersBefore = (uint)state.DeadLetters.Count;
            foreach (var (key, stored) in state.Pipelines)
            {
                if (!restored.TryGetValue(key, out var definition)) plan.Removed.Add(key);
                else if (!definition.Equals(stored.Definition)) plan.Changed.Add(key);
            }

            plan.Added.AddRange(restored.Keys.Where(k => !state.Pipelines.ContainsKey(k)).Order(StringComparer.Ordinal));
        }

        return plan;
    }

    private static string Listed(IReadOnlyList<string> names) =>
        names.Count <= 5 ? string.Join(", ", names) : $"{string.Join(", ", names.Take(5))} and {names.Count - 5} more";
}
