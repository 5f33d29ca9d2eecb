using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Contracts.V1;
using Google.Protobuf;

namespace EtlRouter.Connectors.Hosting;

/// <summary>Record values as JSON objects: what the reference transforms read and write.</summary>
internal static class RecordJson
{
    /// <summary>The value as a JSON object, or null when it is not one.</summary>
    public static JsonObject? Read(Record record)
    {
        try
        {
            return JsonNode.Parse(record.Value.Span) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static ByteString Write(JsonNode node) => ByteString.CopyFrom(JsonSerializer.SerializeToUtf8Bytes(node));
}
