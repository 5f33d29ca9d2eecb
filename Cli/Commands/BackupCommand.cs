using System.CommandLine;
using System.Globalization;
using System.Text;
using EtlRouter.Cli.Backups;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.Backups;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.Cli.Commands;

/// <summary>
/// etlctl backup create|restore|verify|list: the router's whole state as one checked file (format, SHA-256, counts).
/// A restore checks the file and shows what it would change before it changes anything, refuses to remove pipelines
/// without --force, and first writes a safety backup of the state it replaces.
/// </summary>
internal static class BackupCommand
{
    public static Command Create(GlobalOptions global)
    {
        var command = new Command("backup", "Back up, verify and restore the router's state.");
        command.Subcommands.Add(CreateCommand(global));
        command.Subcommands.Add(RestoreCommand(global));
        command.Subcommands.Add(VerifyCommand(global));
        command.Subcommands.Add(ListCommand(global));
        return command;
    }

    private static Command CreateCommand(GlobalOptions global)
    {
        var dest = new Option<string>("--dest") { Description = "A directory or s3://bucket/prefix", Required = true };
        var create = Examples.Command("create",
            "Write a consistent snapshot of the router's state (pipelines, sidecars, assignments, dead letters) as a checked backup file and its manifest.",
            "etlctl backup create --dest /var/backups/etl --router 127.0.0.1:50051",
            "AWS_ENDPOINT_URL_S3=http://minio:9000 etlctl backup create --dest s3://etl-backups/prod");
        create.Options.Add(dest);
        create.Run(global.Console, async (parse, cancellationToken) =>
        {
            var store = BackupStores.Open("--dest", parse.GetValue(dest)!, global.Console.Environment);
            using var router = global.RequireRouter(parse);
            var manifest = await WriteBackupAsync(router, store, suffix: string.Empty, cancellationToken);
            global.Console.Line($"backup {manifest.Id} written to {store.Location} ({manifest.Pipelines} pipelines, {manifest.DeadLetters} dead letters, {manifest.Bytes} bytes, log index {manifest.AppliedIndex}, sha256 {Short(manifest.Sha256)})");
            return ExitCodes.Success;
        });
        return create;
    }

    private static Command RestoreCommand(GlobalOptions global)
    {
        var id = new Argument<string>("id") { Description = "The backup's id (see backup list)" };
        var source = new Option<string>("--source") { Description = "The directory or s3://bucket/prefix holding it", Required = true };
        var force = new Option<bool>("--force") { Description = "Restore even when that removes pipelines the backup does not hold" };
        var dryRun = DryRun.Option("what the restore would change (pipelines added, removed, changed; dead letters)");
        var restore = Examples.Command("restore",
            "Replace the router's state with a backup (through Raft: every node gets it). The backup is checked first; a safety backup of the replaced state is written beside it.",
            "etlctl backup restore etl-router-20261128T101500Z-4711 --source /var/backups/etl --dry-run",
            "etlctl backup restore etl-router-20261128T101500Z-4711 --source /var/backups/etl --force");
        restore.Arguments.Add(id);
        restore.Options.Add(source);
        restore.Options.Add(force);
        restore.Options.Add(dryRun);
        restore.Run(global.Console, async (parse, cancellationToken) =>
        {
            var store = BackupStores.Open("--source", parse.GetValue(source)!, global.Console.Environment);
            var backup = await CheckedBackup.LoadAsync(store, CheckedBackup.IdOf(parse.GetValue(id)!), cancellationToken);
            foreach (var warning in backup.Warnings) global.Console.Error.WriteLine($"warning: {warning}");
            using var router = global.RequireRouter(parse);

            var plan = await SendAsync(router, backup, new RestoreOptions { DryRun = true, AcceptUnverified = backup.IsUnverified }, cancellationToken);
            if (backup.IsUnverified && backup.Manifest is { } manifest && (manifest.Pipelines, manifest.DeadLetters) != (plan.Pipelines, plan.DeadLetters))
                throw new CliException($"backup {backup.Id} is refused: its manifest says {manifest.Pipelines} pipelines and {manifest.DeadLetters} dead letters, the router read {plan.Pipelines} and {plan.DeadLetters}; nothing was changed");
            PrintPlan(global, backup.Id, plan);
            var mode = parse.Mode(dryRun);
            if (mode != DryRunMode.None)
            {
                global.Console.Line($"nothing was changed{mode.Suffix()}");
                return ExitCodes.Success;
            }

            if (plan.Removed.Count > 0 && !parse.GetValue(force))
                throw new CliException($"restoring {backup.Id} would remove {plan.Removed.Count} pipeline(s) the backup does not hold; nothing was changed. Add --force to restore anyway (a safety backup of the current state is written first)");

            var safety = await WriteBackupAsync(router, store, suffix: "-before-restore", cancellationToken);
            global.Console.Line($"safety backup {safety.Id} of the state being replaced written to {store.Location} ({safety.Pipelines} pipelines, {safety.DeadLetters} dead letters)");
            var restored = await SendAsync(router, backup, new RestoreOptions { Force = parse.GetValue(force), AcceptUnverified = backup.IsUnverified }, cancellationToken);
            global.Console.Line($"restored {backup.Id}: {restored.Pipelines} pipelines, {restored.DeadLetters} dead letters (commit index {restored.CommitIndex})");
            global.Console.Line($"to undo: etlctl backup restore {safety.Id} --source {store.Location} --force");
            return ExitCodes.Success;
        });
        return restore;
    }

    private static Command VerifyCommand(GlobalOptions global)
    {
        var id = new Argument<string>("id") { Description = "The backup's id (see backup list)" };
        var source = new Option<string>("--source") { Description = "The directory or s3://bucket/prefix holding it", Required = true };
        var verify = Examples.Command("verify",
            "Check a backup without restoring it or contacting the router: format, SHA-256, and its manifest against its content. Exit code 1 unless it is sound (run it after every backup, in the same CronJob).",
            "etlctl backup verify etl-router-20261128T101500Z-4711 --source /var/backups/etl");
        verify.Arguments.Add(id);
        verify.Options.Add(source);
        verify.Run(global.Console, async (parse, cancellationToken) =>
        {
            var store = BackupStores.Open("--source", parse.GetValue(source)!, global.Console.Environment);
            var backup = await CheckedBackup.LoadAsync(store, CheckedBackup.IdOf(parse.GetValue(id)!), cancellationToken);
            if (backup.Reading.Header is not { } header)
                throw new CliException(backup.Warnings[0].Replace("its content cannot be checked", "it cannot be verified", StringComparison.Ordinal));
            foreach (var warning in backup.Warnings) global.Console.Error.WriteLine($"warning: {warning}");
            global.Console.Line($"backup {backup.Id} is sound: format {header.Format}, sha256 {backup.Reading.Sha256}, {header.Pipelines} pipelines, {header.Sidecars} sidecars, {header.DeadLetters} dead letters, log index {header.AppliedIndex}, taken at {header.TakenAt?.ToDateTime().ToString("u", CultureInfo.InvariantCulture)}");
            return ExitCodes.Success;
        });
        return verify;
    }

    private static Command ListCommand(GlobalOptions global)
    {
        var at = new Option<string>("--dest") { Description = "The directory or s3://bucket/prefix", Required = true };
        var list = Examples.Command("list", "List the backups in a directory or bucket, oldest first, with what their manifests say they hold.", "etlctl backup list --dest /var/backups/etl");
        list.Options.Add(at);
        list.Run(global.Console, async (parse, cancellationToken) =>
        {
            var store = BackupStores.Open("--dest", parse.GetValue(at)!, global.Console.Environment);
            var manifests = new List<BackupManifest>();
            foreach (var file in (await store.ListAsync(cancellationToken)).Where(f => f.EndsWith(BackupManifest.ManifestSuffix, StringComparison.Ordinal)))
            {
                await using var stream = await store.ReadAsync(file, cancellationToken);
                if (stream is not null && BackupManifest.Parse(stream) is { } manifest) manifests.Add(manifest);
            }

            if (manifests.Count == 0)
            {
                global.Console.Error.WriteLine($"No backups in {store.Location}.");
                return ExitCodes.Success;
            }

            // The id carries the time it was taken; the SHA-256 is the file's (sha256sum FILE shows the same).
            TableWriter.Write(global.Console, ["Id", "Log Index", "Pipelines", "Sidecars", "Dead Letters", "Format", "SHA-256"], manifests.OrderBy(m => m.TakenAt).Select(m => (IReadOnlyList<string>)
                [m.Id, $"{m.AppliedIndex}", $"{m.Pipelines}", $"{m.Sidecars}", $"{m.DeadLetters}", m.Format > 0 ? $"{m.Format}" : "1", Short(m.Sha256)]));
            return ExitCodes.Success;
        });
        return list;
    }

    /// <summary>Takes a backup from the router, checks the file it got, and writes it and its manifest to the store.</summary>
    private static async Task<BackupManifest> WriteBackupAsync(RouterTarget router, IBackupStore store, string suffix, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream();
        BackupChunk? first = null;
        await router.CallAsync(async () =>
        {
            using var call = router.ControlPlane.CreateBackup(new CreateBackupRequest(), deadline: RouterTarget.Deadline(120), cancellationToken: cancellationToken);
            await foreach (var chunk in call.ResponseStream.ReadAllAsync(cancellationToken))
            {
                first ??= chunk;
                chunk.Data.WriteTo(data);
            }

            return true;
        });
        if (first is null) throw new CliException($"the router at {router.Address} sent an empty backup");
        var reading = BackupFile.Read(data.GetBuffer().AsMemory(0, (int)data.Length));
        if (reading.Problem is { } problem) throw new CliException($"the backup the router at {router.Address} sent is damaged ({problem}); nothing was written");
        var takenAt = first.TakenAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow;
        var id = $"etl-router-{takenAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{first.AppliedIndex}{suffix}";
        var manifest = new BackupManifest(id, takenAt, first.AppliedIndex, first.Pipelines, first.Sidecars, first.DeadLetters, data.Length, router.Address)
        {
            Format = reading.Header?.Format ?? 1,
            Sha256 = reading.Sha256,
        };
        data.Position = 0;
        await store.WriteAsync(id + BackupManifest.DataSuffix, data, cancellationToken);
        await store.WriteAsync(id + BackupManifest.ManifestSuffix, new MemoryStream(Encoding.UTF8.GetBytes(manifest.ToJson())), cancellationToken);
        return manifest;
    }

    private static async Task<RestoreBackupResponse> SendAsync(RouterTarget router, CheckedBackup backup, RestoreOptions options, CancellationToken cancellationToken) =>
        await router.CallAsync(async () =>
        {
            using var call = router.ControlPlane.RestoreBackup(deadline: RouterTarget.Deadline(120), cancellationToken: cancellationToken);
            foreach (var chunk in BackupChunks.Of(backup.File, new BackupChunk { Restore = options }))
                await call.RequestStream.WriteAsync(chunk, cancellationToken);
            await call.RequestStream.CompleteAsync();
            return await call;
        });

    private static void PrintPlan(GlobalOptions global, string id, RestoreBackupResponse plan)
    {
        global.Console.Line($"restoring {id}: {plan.PipelinesBefore} -> {plan.Pipelines} pipelines ({plan.Added.Count} added, {plan.Removed.Count} removed, {plan.Changed.Count} changed), {plan.DeadLettersBefore} -> {plan.DeadLetters} dead letters");
        Names(global, "-", plan.Removed, " (removed: the backup does not hold it)");
        Names(global, "~", plan.Changed, " (changed)");
        Names(global, "+", plan.Added, string.Empty);
    }

    /// <summary>Up to 50 names of a kind of change, then how many more.</summary>
    private static void Names(GlobalOptions global, string mark, IReadOnlyList<string> names, string note)
    {
        const int Shown = 50;
        foreach (var name in names.Take(Shown)) global.Console.Line($"  {mark} {name}{note}");
        if (names.Count > Shown) global.Console.Line($"  {mark} ... and {names.Count - Shown} more");
    }

    private static string Short(string? sha) => sha is { Length: > 12 } ? sha[..12] : sha ?? "-";
}
