using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Connectors.Sources;

/// <summary>
/// Takes records over HTTP: POST /ingest with a JSON object, a JSON array of objects, or NDJSON. The answer
/// waits until every record of the request was delivered end to end (200 with the count), so a client that
/// gets 200 knows its data arrived; 503 with Retry-After when the queue is full (--max-queued), 400 naming
/// the line that is not JSON. The record id is the field named by --id-field when present, else generated.
/// </summary>
internal sealed class HttpSource : PullSource
{
    private readonly ConcurrentQueue<Record> queue = new();
    private readonly ConcurrentDictionary<string, TaskCompletionSource> waiting = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim arrived = new(0);
    private readonly string name;
    private readonly long maxQueued;
    private readonly string? idField;
    private long offset;

    public HttpSource(ConnectorIdentity identity, ConnectorSettings settings)
    {
        name = identity.Name;
        maxQueued = settings.Number("max-queued", 10_000, 1);
        idField = settings.Text("id-field");
    }

    protected override bool Exhausted => false;

    protected override bool Ready => !queue.IsEmpty;

    protected override Record? Next(MapField<string, string> options) => queue.TryDequeue(out var record) ? record : null;

    protected override Task WaitForDataAsync(CancellationToken cancellationToken) => arrived.WaitAsync(TimeSpan.FromMilliseconds(200), cancellationToken);

    protected override void OnAcknowledged(Record record)
    {
        if (waiting.TryRemove(record.Origin.Offset, out var done)) done.TrySetResult();
    }

    public async Task<IResult> IngestAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync(cancellationToken);
        List<JsonNode> documents;
        try
        {
            documents = Parse(body);
        }
        catch (JsonException e)
        {
            return Results.Problem(statusCode: 400, title: "the body is not JSON or NDJSON", detail: e.Message);
        }

        if (documents.Count == 0) return Results.Problem(statusCode: 400, title: "the body holds no records");
        if (queue.Count + documents.Count > maxQueued)
        {
            return Results.Problem(statusCode: 503, title: "the source's queue is full; retry later", extensions: new Dictionary<string, object?> { ["retryAfterSeconds"] = 1 });
        }

        var delivered = new List<Task>();
        foreach (var document in documents)
        {
            var position = Interlocked.Increment(ref offset).ToString("D12", System.Globalization.CultureInfo.InvariantCulture);
            var id = idField is not null && document is JsonObject o && o[idField] is JsonValue v ? v.ToString() : $"{name}-{Guid.NewGuid():N}";
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            waiting[position] = done;
            delivered.Add(done.Task);
            queue.Enqueue(new Record
            {
                Id = id,
                Value = ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(document)),
                EventTime = Timestamp.FromDateTime(DateTime.UtcNow),
                Origin = new RecordOrigin { Source = name, Offset = position },
            });
        }

        arrived.Release();
        try
        {
            await Task.WhenAll(delivered).WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            return Results.Ok(new { delivered = documents.Count });
        }
        catch (TimeoutException)
        {
            return Results.Problem(statusCode: 504, title: "accepted, but not delivered within 30s; the records stay queued and will be delivered");
        }
    }

    private static List<JsonNode> Parse(string body)
    {
        var trimmed = body.TrimStart();
        if (trimmed.StartsWith('['))
        {
            return [.. (JsonNode.Parse(trimmed) as JsonArray ?? []).OfType<JsonNode>()];
        }

        var documents = new List<JsonNode>();
        var line = 0;
        foreach (var text in body.Split('\n'))
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            try
            {
                documents.Add(JsonNode.Parse(text) ?? throw new JsonException("null is not a record"));
            }
            catch (JsonException e)
            {
                throw new JsonException($"line {line}: {e.Message}", e);
            }
        }

        return documents;
    }
}
