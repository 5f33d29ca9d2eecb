using System.Security.Cryptography;
using System.Text;
using Amazon.S3;
using Amazon.S3.Model;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Connectors.Sinks;

/// <summary>
/// Writes each batch as one NDJSON object under --prefix of --bucket (lines as the file sink writes them), named
/// by what it holds: PREFIX/yyyy/MM/dd/HASH.ndjson, the date of its first record's event time and a SHA-256 of
/// its record ids. A batch delivered again after a failure (the sidecar resends the same batch) therefore
/// overwrites its own object instead of adding a second copy: at-least-once delivery without duplicate objects.
/// </summary>
internal sealed class S3Sink(ConnectorSettings settings) : RecordSink(settings), IDisposable
{
    private readonly S3Connection s3 = new(settings);

    /// <summary>Objects written (an overwrite of a redelivered batch counts again).</summary>
    public long Objects => Interlocked.Read(ref objects);

    private long objects;

    protected override async Task<IReadOnlyList<RecordError>> WriteAsync(WriteRequest request, CancellationToken cancellationToken)
    {
        var records = request.Records.GroupBy(r => r.Id).Select(g => g.First()).OrderBy(r => r.Id, StringComparer.Ordinal).ToList();
        if (records.Count == 0) return [];
        var body = new StringBuilder();
        foreach (var record in records) body.Append(RecordNdjson.Line(record)).Append('\n');
        try
        {
            await s3.Client.PutObjectAsync(new PutObjectRequest
            {
                BucketName = s3.Bucket,
                Key = ObjectKey(s3.Prefix, records),
                ContentBody = body.ToString(),
                ContentType = "application/x-ndjson",
                UseChunkEncoding = false,
            }, cancellationToken);
        }
        catch (AmazonS3Exception e)
        {
            // Retried by the sidecar with the same records, so to the same object.
            throw new IOException($"{s3.Location}: {e.Message}", e);
        }

        Interlocked.Increment(ref objects);
        return [];
    }

    /// <summary>The object a set of records goes to: a function of their ids (sorted) and first event time alone.</summary>
    public static string ObjectKey(string prefix, IReadOnlyList<Record> sortedById)
    {
        var ids = string.Join('\n', sortedById.Select(r => r.Id));
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ids)))[..32];
        var day = sortedById[0].EventTime is { } time ? time.ToDateTime().ToString("yyyy/MM/dd", System.Globalization.CultureInfo.InvariantCulture) : "undated";
        return $"{prefix}{day}/{hash}.ndjson";
    }

    public void Dispose() => s3.Dispose();
}
