using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// Adds fields from a static lookup table: --table-file (a JSON object of key to object) or the stage option
/// "table" (the same JSON inline), looked up by the value of --key-field (default "country"). The found object's
/// fields are merged under --target (default: at the top level). A record whose key is not in the table passes
/// unchanged.
/// </summary>
internal sealed class EnrichTransform(ConnectorSettings settings) : RecordTransform(settings)
{
    private readonly ConcurrentDictionary<string, JsonObject> tables = new(StringComparer.Ordinal);

    protected override IEnumerable<Record> Apply(Record record, MapField<string, string> options)
    {
        var table = Table(options);
        var keyField = Settings.Text("key-field", "country", options);
        var value = RecordJson.Read(record) ?? throw new RecordRejected("the value is not a JSON object", permanent: true);
        if (value[keyField] is JsonValue key && table[key.ToString()] is JsonObject found)
        {
            var target = Settings.Text("target", options);
            var into = target is null ? value : (JsonObject)(value[target] = new JsonObject());
            foreach (var (name, node) in found) into[name] = node?.DeepClone();
            var enriched = record.Clone();
            enriched.Value = RecordJson.Write(value);
            yield return enriched;
            yield break;
        }

        yield return record;
    }

    private JsonObject Table(MapField<string, string> options)
    {
        var inline = Settings.Text("table", options);
        var source = inline ?? (Settings.Text("table-file") is { } path ? File.ReadAllText(path) : null)
            ?? throw new ConnectorSettingsException("table: not set; give --table-file PATH or a stage option table with a JSON object such as {\"DE\": {\"region\": \"EU\"}}");
        return tables.GetOrAdd(source, text =>
        {
            try
            {
                return JsonNode.Parse(text) as JsonObject ?? throw new ConnectorSettingsException("table: must be a JSON object of key to object");
            }
            catch (JsonException e)
            {
                throw new ConnectorSettingsException($"table: not valid JSON ({e.Message})");
            }
        });
    }
}
