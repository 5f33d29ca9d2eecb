using EtlRouter.Contracts.Backups;

namespace EtlRouter.Cli.Backups;

/// <summary>
/// A backup read from its store and checked without the router: the file's frame and SHA-256, and its manifest
/// against its content. <see cref="LoadAsync"/> refuses (one line, exit code 1) what fails a check; an older,
/// unchecked file comes back with <see cref="Warnings"/> instead, to be printed, never trusted silently.
/// </summary>
internal sealed record CheckedBackup(string Id, byte[] File, BackupReading Reading, BackupManifest? Manifest, IReadOnlyList<string> Warnings)
{
    /// <summary>The largest backup etlctl reads (the router restores no larger).</summary>
    public const long MaxBytes = 256L * 1024 * 1024;

    public bool IsUnverified => Reading.IsUnverified;

    /// <summary>Accepts "ID" or "ID.etlbackup".</summary>
    public static string IdOf(string name) =>
        name.EndsWith(BackupManifest.DataSuffix, StringComparison.Ordinal) ? name[..^BackupManifest.DataSuffix.Length] : name;

    public static async Task<CheckedBackup> LoadAsync(IBackupStore store, string id, CancellationToken cancellationToken)
    {
        byte[] file;
        await using (var data = await store.ReadAsync(id + BackupManifest.DataSuffix, cancellationToken)
            ?? throw new CliException($"backup {id} not found in {store.Location} (etlctl backup list --dest {store.Location})"))
        {
            using var copy = new MemoryStream();
            var buffer = new byte[1024 * 1024];
            int read;
            while ((read = await data.ReadAsync(buffer, cancellationToken)) > 0)
            {
                if (copy.Length + read > MaxBytes) throw Refused(id, $"it is larger than {MaxBytes / (1024 * 1024)} MiB, the most a router restores");
                copy.Write(buffer, 0, read);
            }

            file = copy.ToArray();
        }

        BackupManifest? manifest = null;
        await using (var json = await store.ReadAsync(id + BackupManifest.ManifestSuffix, cancellationToken))
        {
            if (json is not null) manifest = BackupManifest.Parse(json) ?? throw Refused(id, $"its manifest {id}{BackupManifest.ManifestSuffix} is not readable JSON");
        }

        var reading = BackupFile.Read(file);
        if (reading.Problem is { } problem) throw Refused(id, problem);
        var warnings = new List<string>();
        if (manifest is not null && Disagreement(manifest, file.Length, reading) is { } disagreement)
            throw Refused(id, $"its manifest ({id}{BackupManifest.ManifestSuffix}) and its content disagree: {disagreement}");
        if (reading.IsUnverified)
        {
            warnings.Add($"backup {id} has no integrity header (written before backup format {BackupFile.Format}): its content cannot be checked" +
                (manifest is null ? ", and no manifest is beside it" : "; its size matches its manifest") + "; take a new backup once this one is restored");
        }
        else if (manifest is null)
        {
            warnings.Add($"backup {id} has no manifest beside it; its own header and checksum were checked");
        }

        return new CheckedBackup(id, file, reading, manifest, warnings);
    }

    private static string? Disagreement(BackupManifest manifest, long length, BackupReading reading)
    {
        if (manifest.Bytes != length) return $"the manifest says {manifest.Bytes} bytes, the file has {length}";
        if (reading.Header is not { } header) return null;
        if (manifest.Sha256 is { Length: > 0 } sha && sha != reading.Sha256) return $"the manifest's SHA-256 is {sha[..Math.Min(16, sha.Length)]}…, the file's {reading.Sha256[..16]}…";
        if ((manifest.Pipelines, manifest.Sidecars, manifest.DeadLetters, manifest.AppliedIndex) != (header.Pipelines, header.Sidecars, header.DeadLetters, header.AppliedIndex))
        {
            return $"the manifest says {manifest.Pipelines} pipelines, {manifest.Sidecars} sidecars, {manifest.DeadLetters} dead letters at index {manifest.AppliedIndex}; " +
                $"the file holds {header.Pipelines}, {header.Sidecars}, {header.DeadLetters} at index {header.AppliedIndex}";
        }

        return null;
    }

    private static CliException Refused(string id, string problem) => new($"backup {id} is refused: {problem}; nothing was changed");
}
