using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Amazon.S3.Model;
using EtlRouter.Contracts.V1;
using EtlRouter.Tests.Router;
using EtlRouter.Tests.Support;
using Google.Protobuf;
using Xunit;

namespace EtlRouter.Tests.Cli;

/// <summary>
/// A backup is checked before it replaces anything: every damaged or altered form is refused with one line saying
/// which check failed and the router's state untouched; a sound one shows what it would change, needs --force to
/// remove pipelines, and leaves a safety backup that undoes it. Real router process, real etlctl commands.
/// </summary>
public sealed class BackupIntegrityTests : IAsyncLifetime
{
    private static readonly string Home = Path.Combine(Path.GetTempPath(), "etlctl-no-kubeconfig");
    private readonly DirectoryInfo directory = Directory.CreateTempSubdirectory("etlctl-backup-integrity-");
    private RouterCluster cluster = null!;
    private EtlCtlRunner etlctl = null!;

    private RouterProcess Node => cluster.Nodes[0];

    public async ValueTask InitializeAsync()
    {
        cluster = await RouterCluster.StartAsync(1);
        etlctl = new EtlCtlRunner(new Dictionary<string, string> { ["ETLCTL_ROUTER"] = $"127.0.0.1:{Node.GrpcPort}", ["HOME"] = Home });
    }

    public async ValueTask DisposeAsync()
    {
        await cluster.DisposeAsync();
        directory.Delete(recursive: true);
    }

    [Fact]
    public async Task Every_damaged_or_altered_backup_is_refused_by_a_check_and_changes_nothing()
    {
        var id = await BackupOf30Then40Async();
        var before = await StateAsync();
        var file = await File.ReadAllBytesAsync(DataPath(id), TestContext.Current.CancellationToken);
        var manifest = await File.ReadAllTextAsync(ManifestPath(id), TestContext.Current.CancellationToken);

        var flipped = (byte[])file.Clone();
        for (var i = 0; i < 8; i++) flipped[(file.Length / 2) + i] ^= 0xFF;
        var renamed = Replace(file, "p0007", "x0007");
        var (header, content) = Split(file);
        var newer = header.Clone();
        newer.Format = 3;
        var lying = header.Clone();
        lying.Pipelines = 31;

        var cases = new (string Name, byte[] Data, string Manifest, string Expected, bool OfflineCatches)[]
        {
            ("flipped", flipped, manifest, "checksum mismatch", true),
            ("cut", file[..(file.Length / 2)], manifest, "cut short", true),
            ("emptied", [], manifest, "the file is empty (0 bytes)", true),
            ("renamed", renamed, manifest, "checksum mismatch", true),
            ("newer-format", Frame(newer, content), manifest, "backup format 3 is newer than this version reads (2)", true),
            ("manifest-disagrees", file, manifest.Replace("\"pipelines\": 30", "\"pipelines\": 31", StringComparison.Ordinal), "its manifest (manifest-disagrees.json) and its content disagree: the manifest says 31 pipelines", true),
            ("header-lies", Frame(lying, content), manifest.Replace("\"pipelines\": 30", "\"pipelines\": 31", StringComparison.Ordinal), "its state holds 30 pipelines, 0 sidecars, 5 dead letters", false),
        };
        foreach (var (name, data, json, expected, offline) in cases)
        {
            await File.WriteAllBytesAsync(DataPath(name), data, TestContext.Current.CancellationToken);
            var written = name == "header-lies" ? WithSha(json, data) : json.Replace(id, name, StringComparison.Ordinal);
            await File.WriteAllTextAsync(ManifestPath(name), written, TestContext.Current.CancellationToken);

            foreach (var args in new[] { new[] { "backup", "restore", name, "--source", directory.FullName, "--force" }, ["backup", "restore", name, "--source", directory.FullName, "--dry-run"] })
            {
                var (exit, output, error) = await etlctl.RunAsync(args);
                var shown = $"{name}: etlctl {string.Join(' ', args)}: exit {exit}\n{output}{error}";
                Assert.True(exit == 1, shown);
                var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
                Assert.True(line.Contains(expected, StringComparison.Ordinal) && line.Contains("nothing was", StringComparison.Ordinal), shown);
                Assert.DoesNotContain("safety backup", output, StringComparison.Ordinal);
            }

            var verify = await etlctl.RunAsync("backup", "verify", name, "--source", directory.FullName);
            Assert.True(verify.Exit == (offline ? 1 : 0), $"{name}: verify: {verify.Out}{verify.Error}");
        }

        Assert.Equal(before, await StateAsync());
        Assert.DoesNotContain(Directory.GetFiles(directory.FullName), f => f.Contains("before-restore", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_sound_backup_is_verified_dry_run_first_needs_force_to_remove_and_its_safety_backup_undoes_it()
    {
        var id = await BackupOf30Then40Async();
        var forty = await StateAsync();

        var (verified, verifiedOutput, verifiedError) = await etlctl.RunAsync("backup", "verify", id, "--source", directory.FullName);
        Assert.True(verified == 0, verifiedError);
        Assert.Matches($"^backup {id} is sound: format 2, sha256 [0-9a-f]{{64}}, 30 pipelines, 0 sidecars, 5 dead letters, log index \\d+", verifiedOutput);
        var (_, listed, _) = await etlctl.RunAsync("backup", "list", "--dest", directory.FullName);
        Assert.Contains(" 30 ", listed, StringComparison.Ordinal);
        Assert.Contains(" 2 ", listed, StringComparison.Ordinal);

        var (dry, plan, dryError) = await etlctl.RunAsync("backup", "restore", id, "--source", directory.FullName, "--dry-run");
        Assert.True(dry == 0, dryError);
        Assert.StartsWith($"restoring {id}: 40 -> 30 pipelines (0 added, 10 removed, 0 changed), 5 -> 5 dead letters\n", plan, StringComparison.Ordinal);
        Assert.Contains("  - default/p0035 (removed: the backup does not hold it)", plan, StringComparison.Ordinal);
        Assert.EndsWith("nothing was changed (dry run)\n", plan, StringComparison.Ordinal);
        Assert.Equal(forty, await StateAsync());

        var (refused, _, refusedError) = await etlctl.RunAsync("backup", "restore", id, "--source", directory.FullName);
        Assert.Equal(1, refused);
        Assert.Contains("would remove 10 pipeline(s) the backup does not hold; nothing was changed. Add --force", refusedError, StringComparison.Ordinal);
        Assert.Equal(forty, await StateAsync());

        var (restored, output, error) = await etlctl.RunAsync("backup", "restore", id, "--source", directory.FullName, "--force");
        Assert.True(restored == 0, error);
        Assert.Contains($"restored {id}: 30 pipelines, 5 dead letters", output, StringComparison.Ordinal);
        var pipelines = await Node.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest(), cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal(Enumerable.Range(0, 30).Select(i => $"p{i:D4}"), pipelines.Pipelines.Select(p => p.Definition.Ref.Name).Order());

        // The safety backup holds the 40 the restore replaced; restoring it adds them back, removing nothing.
        var undo = output.Split('\n').Single(l => l.StartsWith("to undo: ", StringComparison.Ordinal))["to undo: ".Length..].Split(' ');
        Assert.EndsWith("-before-restore", undo[3], StringComparison.Ordinal);
        var (undone, undoOutput, undoError) = await etlctl.RunAsync(undo[1..]);
        Assert.True(undone == 0, undoError);
        Assert.Contains("30 -> 40 pipelines (10 added, 0 removed, 0 changed)", undoOutput, StringComparison.Ordinal);
        Assert.Equal(forty, await StateAsync());
    }

    [Fact]
    public async Task A_backup_of_the_older_unchecked_format_is_read_with_a_warning_and_checked_against_its_manifest()
    {
        var id = await BackupOf30Then40Async();
        var (_, content) = Split(await File.ReadAllBytesAsync(DataPath(id), TestContext.Current.CancellationToken));
        await File.WriteAllBytesAsync(DataPath("old"), content, TestContext.Current.CancellationToken);
        var manifest = (await File.ReadAllTextAsync(ManifestPath(id), TestContext.Current.CancellationToken)).Replace(id, "old", StringComparison.Ordinal);
        var bytesLine = manifest.Split('\n').Single(l => l.Contains("\"bytes\"", StringComparison.Ordinal));
        manifest = manifest.Replace(bytesLine, $"  \"bytes\": {content.Length},", StringComparison.Ordinal).Replace("\"format\": 2", "\"format\": 1", StringComparison.Ordinal);
        manifest = System.Text.RegularExpressions.Regex.Replace(manifest, "\"sha256\": \"[0-9a-f]+\"", "\"sha256\": null");
        await File.WriteAllTextAsync(ManifestPath("old"), manifest, TestContext.Current.CancellationToken);
        var before = await StateAsync();

        var (exit, output, error) = await etlctl.RunAsync("backup", "restore", "old", "--source", directory.FullName, "--dry-run");
        Assert.True(exit == 0, error);
        Assert.StartsWith("warning: backup old has no integrity header (written before backup format 2): its content cannot be checked; its size matches its manifest", error, StringComparison.Ordinal);
        Assert.Contains("40 -> 30 pipelines", output, StringComparison.Ordinal);
        var (verify, _, verifyError) = await etlctl.RunAsync("backup", "verify", "old", "--source", directory.FullName);
        Assert.Equal(1, verify);
        Assert.Contains("it cannot be verified", verifyError, StringComparison.Ordinal);

        // The router itself never takes an unchecked backup unless asked for it explicitly.
        var call = Node.ControlPlane.RestoreBackup(cancellationToken: TestContext.Current.CancellationToken);
        await call.RequestStream.WriteAsync(new BackupChunk { Data = ByteString.CopyFrom(content) }, TestContext.Current.CancellationToken);
        await call.RequestStream.CompleteAsync();
        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(async () => await call);
        Assert.Contains("no integrity header", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync());
    }

    [Fact]
    public async Task Backups_held_in_s3_get_the_same_checks()
    {
        using var s3 = await TestS3.CreateBucketAsync();
        etlctl.Environment["AWS_ENDPOINT_URL_S3"] = s3.Endpoint;
        foreach (var name in new[] { "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION" })
        {
            if (Environment.GetEnvironmentVariable(name) is { } value) etlctl.Environment[name] = value;
        }

        await ApplyAsync(0, 3);
        var prefix = $"s3://{s3.Bucket}/backups";
        var (created, output, error) = await etlctl.RunAsync("backup", "create", "--dest", prefix);
        Assert.True(created == 0, error);
        var id = output.Split(' ')[1];
        Assert.Equal(0, (await etlctl.RunAsync("backup", "verify", id, "--source", prefix)).Exit);

        // The same object emptied, and a copy of it with one byte flipped: both refused, before and at restore.
        var key = $"backups/{id}.etlbackup";
        using (var original = await s3.Client.GetObjectAsync(s3.Bucket, key, TestContext.Current.CancellationToken))
        {
            using var copy = new MemoryStream();
            await original.ResponseStream.CopyToAsync(copy, TestContext.Current.CancellationToken);
            var flipped = copy.ToArray();
            flipped[^40] ^= 1;
            await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = s3.Bucket, Key = key, InputStream = new MemoryStream(flipped), UseChunkEncoding = false }, TestContext.Current.CancellationToken);
        }

        var before = await StateAsync();
        var (verify, _, verifyError) = await etlctl.RunAsync("backup", "verify", id, "--source", prefix);
        Assert.Equal(1, verify);
        Assert.Contains("checksum mismatch", verifyError, StringComparison.Ordinal);
        await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = s3.Bucket, Key = key, InputStream = new MemoryStream(), UseChunkEncoding = false }, TestContext.Current.CancellationToken);
        var (restore, _, restoreError) = await etlctl.RunAsync("backup", "restore", id, "--source", prefix, "--force");
        Assert.Equal(1, restore);
        Assert.Contains("the file is empty (0 bytes)", restoreError, StringComparison.Ordinal);
        Assert.Equal(before, await StateAsync());
    }

    /// <summary>30 pipelines and 5 dead letters backed up; then 10 more pipelines: the router holds 40.</summary>
    private async Task<string> BackupOf30Then40Async()
    {
        await ApplyAsync(0, 30);
        var letters = new AppendDeadLettersRequest();
        for (var i = 0; i < 5; i++)
            letters.DeadLetters.Add(new DeadLetter { Id = $"dl-{i}", Pipeline = new PipelineRef { Namespace = "default", Name = "p0001" }, Stage = "transform", Error = "boom", Attempts = 3, Record = new EtlRouter.Contracts.V1.Record { Id = $"r{i}" } });
        await Node.DeadLetters.AppendAsync(letters, cancellationToken: TestContext.Current.CancellationToken);
        var (exit, output, error) = await etlctl.RunAsync("backup", "create", "--dest", directory.FullName);
        Assert.True(exit == 0, error);
        await ApplyAsync(30, 10);
        return output.Split(' ')[1];
    }

    private async Task ApplyAsync(int from, int count)
    {
        for (var i = from; i < from + count; i++)
            await Node.ControlPlane.ApplyPipelineAsync(new ApplyPipelineRequest { Pipeline = RouterTestData.Linear($"p{i:D4}", generation: 1 + (i % 3)) }, cancellationToken: TestContext.Current.CancellationToken);
    }

    /// <summary>Every pipeline's definition and every dead letter: what a restore replaces.</summary>
    private async Task<string> StateAsync()
    {
        var pipelines = await Node.ControlPlane.ListPipelinesAsync(new ListPipelinesRequest(), cancellationToken: TestContext.Current.CancellationToken);
        var letters = await Node.DeadLetters.ListAsync(new ListDeadLettersRequest { Limit = 100 }, cancellationToken: TestContext.Current.CancellationToken);
        return string.Join('\n', pipelines.Pipelines.Select(p => p.Definition.ToString()).Order()) + "\n" + string.Join('\n', letters.DeadLetters.Select(d => d.Id).Order());
    }

    private string DataPath(string id) => Path.Combine(directory.FullName, id + ".etlbackup");

    private string ManifestPath(string id) => Path.Combine(directory.FullName, id + ".json");

    /// <summary>The header and the state of a backup file (the layout BackupFile documents).</summary>
    private static (BackupHeader Header, byte[] Content) Split(byte[] file)
    {
        var length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(9));
        var header = BackupHeader.Parser.ParseFrom(file.AsSpan(13, length));
        return (header, file[(13 + length)..^32]);
    }

    /// <summary>A correctly framed and checksummed file around any header: what only a check of the content catches.</summary>
    private static byte[] Frame(BackupHeader header, byte[] content)
    {
        var headerBytes = header.ToByteArray();
        var body = "ETLBACKUP"u8.ToArray().Concat(BitConverter.GetBytes((uint)headerBytes.Length)).Concat(headerBytes).Concat(content).ToArray();
        return [.. body, .. SHA256.HashData(body)];
    }

    private static string WithSha(string manifest, byte[] data) =>
        System.Text.RegularExpressions.Regex.Replace(manifest, "\"sha256\": \"[0-9a-f]+\"", $"\"sha256\": \"{Convert.ToHexStringLower(SHA256.HashData(data))}\"")
            .Replace(manifest.Split('\n').Single(l => l.Contains("\"bytes\"", StringComparison.Ordinal)), $"  \"bytes\": {data.Length},", StringComparison.Ordinal)
            .Replace(manifest.Split('\n').Single(l => l.Contains("\"id\"", StringComparison.Ordinal)), "  \"id\": \"header-lies\",", StringComparison.Ordinal);

    private static byte[] Replace(byte[] file, string from, string to)
    {
        var at = file.AsSpan().IndexOf(Encoding.ASCII.GetBytes(from));
        Assert.True(at > 0, $"'{from}' is not in the backup");
        var copy = (byte[])file.Clone();
        Encoding.ASCII.GetBytes(to).CopyTo(copy, at);
        return copy;
    }
}
