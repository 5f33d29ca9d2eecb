using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Connectors.Hosting;

/// <summary>
/// A record as one NDJSON line, the way the file and S3 sinks write it: {"id", "key", "value" (the JSON value
/// itself, or a string when it is not JSON), "headers", "eventTime", "source", "offset"}.
/// </summary>
internal static class RecordNdjson
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public static string Line(Record record)
    {
        JsonNode? value;
        try
        {
            value = JsonNode.Parse(record.Value.Span);
        }
        catch (JsonException)
        {
            value = JsonValue.Create(record.Value.ToStringUtf8());
        }

        var line = new JsonObject
        {
            ["id"] = record.Id,
            ["key"] = record.Key,
            ["value"] = value,
            ["eventTime"] = record.EventTime?.ToDateTime().ToString("O"),
            ["source"] = record.Origin?.Source,
            ["offset"] = record.Origin?.Offset,
        };
        if (record.Headers.Count > 0) line["headers"] = new JsonObject(record.Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value)));
        return line.ToJsonString(Compact);
    }
}
