using System.Text.Json;

namespace EtlRouter.Cli.Backups;

/// <summary>
/// What a backup holds (ID.json beside ID.etlbackup), so `backup list` can show it without reading the data. It
/// repeats what the backup file's own header says (format, counts, log index) and the file's SHA-256; `restore` and
/// `verify` refuse a backup whose manifest and content disagree. Format 1 (and 0, for manifests written before the
/// field existed) is the older, unchecked file.
/// </summary>
internal sealed record BackupManifest(string Id, DateTimeOffset TakenAt, ulong AppliedIndex, uint Pipelines, uint Sidecars, uint DeadLetters, long Bytes, string Router)
{
    public const string DataSuffix = ".etlbackup";
    public const string ManifestSuffix = ".json";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The backup file's format (2: framed and checksummed).</summary>
    public uint Format { get; init; }

    /// <summary>The SHA-256 of the whole backup file, lowercase hex.</summary>
    public string? Sha256 { get; init; }

    public string ToJson() => JsonSerializer.Serialize(this, Options);

    public static BackupManifest? Parse(Stream json)
    {
        try
        {
            return JsonSerializer.Deserialize<BackupManifest>(json, Options);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
