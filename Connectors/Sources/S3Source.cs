using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Threading.Channels;
using Amazon.S3;
using Amazon.S3.Model;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Connectors.Sources;

/// <summary>
/// Reads the objects under --prefix of --bucket in key order, row by row (<see cref="S3ObjectRows"/>:
/// newline-delimited JSON, or CSV with a header; --format auto picks by extension), and resumes after a restart
/// from the first row not yet acknowledged: the position (object, row) is kept in a checkpoint object
/// (--checkpoint-key, default _etl-checkpoints/NAME.json in the same bucket), written within a second of an
/// acknowledgement moving it. Record ids are s3://bucket/key#row, the same on every read. With --poll-seconds N
/// (default 10) it lists again for objects whose keys sort after the last one read; 0 reads what is there and ends.
/// Name objects so that new ones sort last (a date or a sequence in the key): one sorting before the checkpoint
/// is not read.
/// </summary>
internal sealed class S3Source : PullSource, IDisposable
{
    private const int ReadAhead = 5000;
    private readonly ConnectorIdentity identity;
    private readonly S3Connection s3;
    private readonly string format;
    private readonly string checkpointKey;
    private readonly TimeSpan poll;
    private readonly Channel<Record> rows = Channel.CreateBounded<Record>(new BoundedChannelOptions(ReadAhead) { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource stop = new();
    private readonly ILogger logger;
    private ReadWatermark<S3Position>? watermark;
    private Task? reading;
    private volatile bool listed;

    public S3Source(ConnectorIdentity identity, ConnectorSettings settings)
    {
        this.identity = identity;
        s3 = new S3Connection(settings);
        format = settings.Text("format", "auto");
        if (format is not ("auto" or "ndjson" or "csv")) throw new ConnectorSettingsException($"format: '{format}' is not auto, ndjson or csv");
        checkpointKey = settings.Text("checkpoint-key", $"_etl-checkpoints/{identity.Name}.json");
        poll = TimeSpan.FromSeconds(settings.Number("poll-seconds", 10, 0, 86_400));
        logger = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true)).CreateLogger("EtlRouter.Connectors.S3Source");
    }

    /// <summary>Where this process began reading (from the checkpoint), once it has.</summary>
    public S3Position? ResumedFrom { get; private set; }

    /// <summary>Where a restart now would begin.</summary>
    public S3Position? Checkpoint => watermark?.Resume;

    /// <summary>Objects read to their end by this process.</summary>
    public long ObjectsRead { get; private set; }

    protected override bool Ready => Start() && rows.Reader.TryPeek(out _);

    protected override bool Exhausted => Start() && listed && rows.Reader.Count == 0 && reading is { IsCompleted: true };

    protected override Record? Next(MapField<string, string> options) => Start() && rows.Reader.TryRead(out var record) ? record : null;

    protected override async Task WaitForDataAsync(CancellationToken cancellationToken)
    {
        Start();
        await Task.WhenAny(rows.Reader.WaitToReadAsync(cancellationToken).AsTask(), reading!);
    }

    protected override void OnAcknowledged(Record record)
    {
        if (S3Position.TryParse(record.Origin.Offset, out var position)) watermark?.Acknowledge(position, p => p with { Row = p.Row + 1 });
    }

    public void Dispose()
    {
        stop.Cancel();
        s3.Dispose();
    }

    // Reading starts with the first session, so a source no pipeline reads makes no S3 calls.
    private bool Start()
    {
        if (reading is not null) return true;
        lock (rows)
        {
            reading ??= Task.Run(() => ReadAllAsync(stop.Token));
        }

        return true;
    }

    private async Task ReadAllAsync(CancellationToken cancellationToken)
    {
        var start = await LoadCheckpointAsync(cancellationToken);
        ResumedFrom = start;
        watermark = new ReadWatermark<S3Position>(start);
        _ = Task.Run(() => SaveCheckpointsAsync(cancellationToken), cancellationToken);
        var after = start;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                // The checkpoint's object again (from its row); an object read to its end, never.
                foreach (var key in await ListAfterAsync(after.Key, inclusive: after.Key.Length > 0 && after.Row != long.MaxValue, cancellationToken))
                {
                    var next = key == after.Key ? after.Row : 1;
                    var delay = TimeSpan.FromMilliseconds(200);
                    while (true)
                    {
                        try
                        {
                            await ReadObjectAsync(key, next, row => next = row + 1, cancellationToken);
                            break;
                        }
                        catch (Exception e) when (e is IOException or HttpRequestException or AmazonS3Exception && !cancellationToken.IsCancellationRequested)
                        {
                            // The object broke off mid-read: read it again from the row after the last one handed over.
                            logger.LogWarning("{Name}: reading {Key} broke off at row {Row} ({Error}); reading on from there", identity.Name, key, next, e.Message);
                            await Task.Delay(delay, cancellationToken);
                            delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, delay.Ticks * 2));
                        }
                    }

                    after = new S3Position(key, long.MaxValue);
                    ObjectsRead++;
                }

                if (poll == TimeSpan.Zero) break;
                await Task.Delay(poll, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "{Name}: stopped reading {Location} at {Position}; restart the connector to resume from its checkpoint", identity.Name, s3.Location, after);
            throw;
        }
        finally
        {
            listed = true;
            rows.Writer.TryComplete();
        }
    }

    private async Task ReadObjectAsync(string key, long fromRow, Action<long> handedOver, CancellationToken cancellationToken)
    {
        using var response = await WithRetriesAsync(() => s3.Client.GetObjectAsync(s3.Bucket, key, cancellationToken), $"reading {key}", cancellationToken);
        await foreach (var (row, value) in S3ObjectRows.ReadAsync(response.ResponseStream, S3ObjectRows.FormatOf(key, format), cancellationToken))
        {
            if (row < fromRow) continue;
            var position = new S3Position(key, row);
            watermark!.Issue(position);
            await rows.Writer.WriteAsync(new Record
            {
                Id = $"s3://{s3.Bucket}/{key}#{row}",
                Value = ByteString.CopyFrom(value),
                EventTime = Timestamp.FromDateTime(response.LastModified?.ToUniversalTime() ?? DateTime.UtcNow),
                Origin = new RecordOrigin { Source = identity.Name, Offset = position.ToString() },
            }, cancellationToken);
            handedOver(row);
        }
    }

    /// <summary>The keys under the prefix after <paramref name="key"/> (and it, when inclusive), in order; never the checkpoint.</summary>
    private async Task<List<string>> ListAfterAsync(string key, bool inclusive, CancellationToken cancellationToken)
    {
        var keys = new List<string>();
        var request = new ListObjectsV2Request { BucketName = s3.Bucket, Prefix = s3.Prefix };
        ListObjectsV2Response response;
        do
        {
            response = await WithRetriesAsync(() => s3.Client.ListObjectsV2Async(request, cancellationToken), $"listing {s3.Location}", cancellationToken);
            keys.AddRange((response.S3Objects ?? []).Select(o => o.Key).Where(k => k != checkpointKey && !k.EndsWith('/')));
            request.ContinuationToken = response.NextContinuationToken;
        }
        while (response.IsTruncated == true);

        var order = StringComparer.Ordinal;
        return [.. keys.Where(k => order.Compare(k, key) > 0 || (inclusive && k == key)).Order(order)];
    }

    private async Task<S3Position> LoadCheckpointAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var response = await WithRetriesAsync(() => s3.Client.GetObjectAsync(s3.Bucket, checkpointKey, cancellationToken), "reading the checkpoint", cancellationToken);
            var saved = await JsonSerializer.DeserializeAsync<SavedCheckpoint>(response.ResponseStream, cancellationToken: cancellationToken);
            if (saved is { Key: { } key, Row: > 0 })
            {
                logger.LogInformation("{Name}: resuming at {Key} row {Row} (checkpoint s3://{Bucket}/{Checkpoint})", identity.Name, key, saved.Row, s3.Bucket, checkpointKey);
                return new S3Position(key, saved.Row);
            }
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
        }
        catch (JsonException e)
        {
            logger.LogWarning("{Name}: the checkpoint s3://{Bucket}/{Checkpoint} is not readable ({Error}); reading from the start", identity.Name, s3.Bucket, checkpointKey, e.Message);
        }

        return new S3Position(string.Empty, 1);
    }

    private async Task SaveCheckpointsAsync(CancellationToken cancellationToken)
    {
        var saved = 0L;
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            var version = watermark!.Version;
            if (version == saved) continue;
            var resume = watermark.Resume;
            var body = JsonSerializer.Serialize(new SavedCheckpoint(resume.Key, resume.Row));
            try
            {
                await s3.Client.PutObjectAsync(new PutObjectRequest { BucketName = s3.Bucket, Key = checkpointKey, ContentBody = body, ContentType = "application/json", UseChunkEncoding = false }, cancellationToken);
                saved = version;
            }
            catch (AmazonS3Exception e)
            {
                logger.LogWarning("{Name}: could not write the checkpoint ({Error}); trying again", identity.Name, e.Message);
            }
        }
    }

    // S3 may be briefly away; a missing bucket is not: it is named and retried slowly, as a sidecar expects.
    private async Task<T> WithRetriesAsync<T>(Func<Task<T>> call, string what, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                return await call();
            }
            catch (AmazonS3Exception e) when (e.StatusCode != HttpStatusCode.NotFound || e.ErrorCode == "NoSuchBucket")
            {
                logger.LogWarning("{Name}: {What} failed ({Error}); retrying in {Delay}", identity.Name, what, e.Message, delay);
            }
            catch (IOException e)
            {
                logger.LogWarning("{Name}: {What} failed ({Error}); retrying in {Delay}", identity.Name, what, e.Message, delay);
            }
            catch (HttpRequestException e)
            {
                logger.LogWarning("{Name}: {What} failed ({Error}); retrying in {Delay}", identity.Name, what, e.Message, delay);
            }

            await Task.Delay(delay, cancellationToken);
            delay = TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(10).Ticks, delay.Ticks * 2));
        }
    }

    private sealed record SavedCheckpoint(string Key, long Row);
}

/// <summary>A row of an object: what an S3 source's offsets and checkpoint name.</summary>
internal readonly record struct S3Position(string Key, long Row)
{
    public override string ToString() => $"{Key}#{Row.ToString(CultureInfo.InvariantCulture)}";

    public static bool TryParse(string text, out S3Position position)
    {
        var hash = text.LastIndexOf('#');
        position = default;
        if (hash < 0 || !long.TryParse(text.AsSpan(hash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var row)) return false;
        position = new S3Position(text[..hash], row);
        return true;
    }
}
