namespace EtlRouter.Cli.Backups;

/// <summary>Opens the store a --dest/--source names: s3://bucket/prefix, or a directory.</summary>
internal static class BackupStores
{
    public static IBackupStore Open(string option, string location, Func<string, string?> environment)
    {
        if (location.StartsWith("s3://", StringComparison.OrdinalIgnoreCase))
        {
            return Uri.TryCreate(location, UriKind.Absolute, out var url) && url.Host.Length > 0
                ? new S3BackupStore(url, environment)
                : throw new CliException($"{option}: '{location}' is not s3://bucket/prefix", ExitCodes.Usage);
        }

        if (location.Contains("://", StringComparison.Ordinal))
            throw new CliException($"{option}: '{location}': only directories and s3:// are supported", ExitCodes.Usage);
        return new FileBackupStore(location);
    }
}
