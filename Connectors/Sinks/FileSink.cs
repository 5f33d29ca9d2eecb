using System.Text;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Connectors.Sinks;

/// <summary>
/// Appends records to an NDJSON file (--path, or the stage option "path"), one line per record:
/// {"id", "key", "value" (the JSON value itself, or a string when it is not JSON), "headers", "eventTime",
/// "source", "offset"}. Each batch is flushed to disk before the write is answered. It cannot deduplicate:
/// a redelivered record is written again (ids tell them apart).
/// </summary>
internal sealed class FileSink(ConnectorSettings settings) : RecordSink(settings)
{
    private readonly SemaphoreSlim exclusive = new(1);

    protected override async Task<IReadOnlyList<RecordError>> WriteAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        var path = Settings.Text("path", request.Options) ?? throw new ConnectorSettingsException("path: not set; give the file sink --path FILE or a stage option path");
        var text = new StringBuilder();
        foreach (var record in request.Records) text.Append(RecordNdjson.Line(record)).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        await exclusive.WaitAsync(cancellationToken);
        try
        {
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } directory) Directory.CreateDirectory(directory);
            await using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
            await file.WriteAsync(bytes, cancellationToken);
            file.Flush(flushToDisk: true);
        }
        finally
        {
            exclusive.Release();
        }

        return [];
    }
}
