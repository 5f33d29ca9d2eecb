namespace EtlRouter.Cli.Backups;

/// <summary>Backups in a directory (created when missing). Files are written under a temporary name, then renamed.</summary>
internal sealed class FileBackupStore(string directory) : IBackupStore
{
    public string Location => directory;

    public async Task WriteAsync(string name, Stream content, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, name);
        var temporary = path + ".partial";
        await using (var file = File.Create(temporary))
            await content.CopyToAsync(file, cancellationToken);
        File.Move(temporary, path, overwrite: true);
    }

    public Task<Stream?> ReadAsync(string name, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory, name);
        return Task.FromResult<Stream?>(File.Exists(path) ? File.OpenRead(path) : null);
    }

    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<string>>(Directory.Exists(directory) ? Directory.GetFiles(directory).Select(Path.GetFileName).OfType<string>().ToList() : []);
}
