using System.CommandLine;
using System.Globalization;
using System.Text;
using EtlRouter.Cli.Backups;
using EtlRouter.Cli.Output;
using EtlRouter.Cli.Targets;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Grpc.Core;

namespace EtlRouter.Cli.Commands;

/// <summary>etlctl backup create|restore|list: the router's whole state as a consistent snapshot file.</summary>
internal static class BackupCommand
{
    public static Command Create(GlobalOptions global)
    {
        var dest = new Option<string>("--dest") { Description = "A directory or s3://bucket/prefix", Required = true };
        var create = Examples.Command("create",
            "Write a consistent snapshot of the router's state (pipelines, sidecars, assignments, dead letters).",
            "etlctl backup create --dest /var/backups/etl --router 127.0.0.1:50051",
            "AWS_ENDPOINT_URL_S3=http://minio:9000 etlctl backup create --dest s3://etl-backups/prod");
        create.Options.Add(dest);
        create.Run(global.Console, async (parse, cancellationToken) =>
        {
            using var router = global.RequireRouter(parse);
            var store = BackupStores.Open("--dest", parse.GetValue(dest)!, global.Console.Environment);
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
            var takenAt = first.TakenAt?.ToDateTimeOffset() ?? DateTimeOffset.UtcNow;
            var id = $"etl-router-{takenAt.UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-{first.AppliedIndex}";
            var manifest = new BackupManifest(id, takenAt, first.AppliedIndex, first.Pipelines, first.Sidecars, first.DeadLetters, data.Length, router.Address);
            data.Position = 0;
            await store.WriteAsync(id + BackupManifest.DataSuffix, data, cancellationToken);
            await store.WriteAsync(id + BackupManifest.ManifestSuffix, new MemoryStream(Encoding.UTF8.GetBytes(manifest.ToJson())), cancellationToken);
            global.Console.Done($"backup {id} written to {store.Location} ({first.Pipelines} pipelines, {first.DeadLetters} dead letters, {data.Length} bytes, log index {first.AppliedIndex})");
            return ExitCodes.Success;
        });

        var id = new Argument<string>("id") { Description = "The backup's id (see backup list)" };
        var source = new Option<string>("--source") { Description = "The directory or s3://bucket/prefix holding it", Required = true };
        var restore = Examples.Command("restore",
            "Replace the router's state with a backup (through Raft: every node gets it).",
            "etlctl backup restore etl-router-20261128T101500Z-4711 --source /var/backups/etl --router 127.0.0.1:50051");
        restore.Arguments.Add(id);
        restore.Options.Add(source);
        restore.Run(global.Console, async (parse, cancellationToken) =>
        {
            var store = BackupStores.Open("--source", parse.GetValue(source)!, global.Console.Environment);
            var name = parse.GetValue(id)!;
            if (name.EndsWith(BackupManifest.DataSuffix, StringComparison.Ordinal)) name = name[..^BackupManifest.DataSuffix.Length];
            await using var data = await store.ReadAsync(name + BackupManifest.DataSuffix, cancellationToken)
                ?? throw new CliException($"backup {name} not found in {store.Location} (etlctl backup list --dest {store.Location})");
            using var router = global.RequireRouter(parse);
            var restored = await router.CallAsync(async () =>
            {
                using var call = router.ControlPlane.RestoreBackup(deadline: RouterTarget.Deadline(120), cancellationToken: cancellationToken);
                var buffer = new byte[1024 * 1024];
                int read;
                while ((read = await data.ReadAsync(buffer, cancellationToken)) > 0)
                    await call.RequestStream.WriteAsync(new BackupChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, cancellationToken);
                await call.RequestStream.CompleteAsync();
                return await call;
            });
            global.Console.Done($"restored {name}: {restored.Pipelines} pipelines, {restored.DeadLetters} dead letters (commit index {restored.CommitIndex})");
            return ExitCodes.Success;
        });

        var at = new Option<string>("--dest") { Description = "The directory or s3://bucket/prefix", Required = true };
        var list = Examples.Command("list", "List the backups in a directory or bucket, oldest first.", "etlctl backup list --dest /var/backups/etl");
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

            TableWriter.Write(global.Console, ["Id", "Taken At", "Log Index", "Pipelines", "Dead Letters", "Bytes"], manifests.OrderBy(m => m.TakenAt).Select(m => (IReadOnlyList<string>)
                [m.Id, m.TakenAt.UtcDateTime.ToString("u", CultureInfo.InvariantCulture), $"{m.AppliedIndex}", $"{m.Pipelines}", $"{m.DeadLetters}", $"{m.Bytes}"]));
            return ExitCodes.Success;
        });

        var command = new Command("backup", "Back up and restore the router's state.");
        command.Subcommands.Add(create);
        command.Subcommands.Add(restore);
        command.Subcommands.Add(list);
        return command;
    }
}
