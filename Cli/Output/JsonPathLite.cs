using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EtlRouter.Cli.Output;

/// <summary>
/// The JSONPath subset CRD printer columns use: dotted fields and one equality filter on a list
/// (<c>.status.conditions[?(@.type=="Ready")].status</c>). Anything missing reads as empty.
/// </summary>
internal static partial class JsonPathLite
{
    public static string Read(JsonNode? root, string path)
    {
        var current = root;
        foreach (Match segment in Segment().Matches(path))
        {
            if (current is null) return string.Empty;
            if (segment.Groups["field"].Success)
            {
                current = current is JsonObject o ? o[segment.Groups["field"].Value] : null;
            }
            else
            {
                var key = segment.Groups["key"].Value;
                var value = segment.Groups["value"].Value;
                current = (current as JsonArray)?.FirstOrDefault(item => item?[key]?.ToString() == value);
            }
        }

        return current switch
        {
            null => string.Empty,
            JsonValue v => v.ToString(),
            _ => current.ToJsonString(),
        };
    }

    [GeneratedRegex(@"\.(?<field>[A-Za-z0-9_]+)|\[\?\(@\.(?<key>[A-Za-z0-9_]+)==""(?<value>[^""]*)""\)\]")]
    private static partial Regex Segment();
}
