using System.Text.Json;
using System.Text.Json.Nodes;

namespace EtlRouter.Cli.Output;

/// <summary>-o yaml and -o json for custom resources (one object, or a List of them).</summary>
internal static class Serialization
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Json(JsonNode node) => node.ToJsonString(Indented) + "\n";

    private static readonly YamlDotNet.Serialization.ISerializer YamlWriter = new YamlDotNet.Serialization.SerializerBuilder().WithQuotingNecessaryStrings().Build();

    /// <summary>JSON as YAML, fields in the object's own order; strings that would read as another type are quoted.</summary>
    public static string Yaml(JsonNode item) => YamlWriter.Serialize(Plain(item));

    private static object? Plain(JsonNode? node) => node switch
    {
        JsonObject o => o.ToDictionary(p => p.Key, p => Plain(p.Value)),
        JsonArray a => a.Select(Plain).ToList(),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.TryGetValue<bool>(out var b) => b,
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<double>(out var d) => d,
        JsonValue v => v.ToString(),
        _ => null,
    };

    public static JsonObject List(IEnumerable<JsonObject> items) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "List",
        ["items"] = new JsonArray([.. items.Select(i => (JsonNode?)i.DeepClone())]),
    };

}
