using System.Text.Json;

namespace EtlRouter.Cli.Backups;

/// <summary>What a backup holds (ID.json beside ID.etlbackup), so `backup list` can show it without reading the data.</summary>
internal sealed record BackupManifest(string Id, DateTimeOffset TakenAt, ulong AppliedIndex, uint Pipelines, uint Sidecars, uint DeadLetters, long Bytes, string Router)
{
    public const string DataSuffix = ".etlbackup";
    public const string ManifestSuffix = ".json";

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

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
