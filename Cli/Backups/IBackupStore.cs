namespace EtlRouter.Cli.Backups;

/// <summary>Where backups live: a directory, or an S3 bucket and prefix. Each backup is ID.etlbackup plus ID.json (what it holds).</summary>
internal interface IBackupStore
{
    /// <summary>For messages: the directory or the s3:// URL.</summary>
    string Location { get; }

    Task WriteAsync(string name, Stream content, CancellationToken cancellationToken);

    /// <summary>The object's content, or null when it does not exist.</summary>
    Task<Stream?> ReadAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken);
}
