using System.Text.Json.Nodes;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902) on JSON nodes.</summary>
public static class Patches
{
    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
            return patch?.DeepClone();

        var result = target is JsonObject targetObject ? (JsonObject)targetObject.DeepClone() : new JsonObject();
        foreach (var (key, value) in patchObject)
        {
            if (value is null)
                result.Remove(key);
            else
                result[key] = Merge(result[key], value);
        }

        return result;
    }

    public static JsonNode Apply(JsonNode document, JsonArray operations)
    {
        var root = document.DeepClone();
        foreach (var operation in operations.OfType<JsonObject>())
        {
            var op = operation["op"]?.ToString() ?? throw ApiError.BadRequest("json patch: an operation has no op");
            var path = operation["path"]?.ToString() ?? throw ApiError.BadRequest($"json patch: {op} has no path");
            switch (op)
            {
                case "add":
                    root = Add(root, path, operation["value"]?.DeepClone());
                    break;
                case "remove":
                    Remove(root, path);
                    break;
                case "replace":
                    Get(root, path);
                    Remove(root, path);
                    root = Add(root, path, operation["value"]?.DeepClone());
                    break;
                case "test":
                    if (Get(root, path)?.ToJsonString() != operation["value"]?.ToJsonString())
                        throw new ApiError(System.Net.HttpStatusCode.UnprocessableEntity, "Invalid", $"json patch: test failed at {path}");
                    break;
                case "move":
                case "copy":
                    var from = operation["from"]?.ToString() ?? throw ApiError.BadRequest($"json patch: {op} has no from");
                    var value = Get(root, from)?.DeepClone();
                    if (op == "move")
                        Remove(root, from);
                    root = Add(root, path, value);
                    break;
                default:
                    throw ApiError.BadRequest($"json patch: unknown op '{op}'");
            }
        }

        return root;
    }

    private static string[] Split(string pointer) =>
        pointer.Length == 0 ? [] : pointer.TrimStart('/').Split('/').Select(s => s.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();

    private static JsonNode? Get(JsonNode root, string pointer)
    {
        JsonNode? node = root;
        foreach (var segment in Split(pointer))
        {
            node = node switch
            {
                JsonObject o when o.ContainsKey(segment) => o[segment],
                JsonArray a when int.TryParse(segment, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiError(System.Net.HttpStatusCode.UnprocessableEntity, "Invalid", $"json patch: path {pointer} does not exist"),
            };
        }

        return node;
    }

    private static JsonNode Add(JsonNode root, string pointer, JsonNode? value)
    {
        var segments = Split(pointer);
        if (segments.Length == 0)
            return value ?? new JsonObject();
        var parent = Get(root, Pointer(segments[..^1]));
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiError(System.Net.HttpStatusCode.UnprocessableEntity, "Invalid", $"json patch: cannot add at {pointer}");
        }

        return root;
    }

    private static void Remove(JsonNode root, string pointer)
    {
        var segments = Split(pointer);
        var parent = Get(root, Pointer(segments[..^1]));
        var last = segments[^1];
        switch (parent)
        {
            case JsonObject o when o.ContainsKey(last):
                o.Remove(last);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                a.RemoveAt(i);
                break;
            default:
                throw new ApiError(System.Net.HttpStatusCode.UnprocessableEntity, "Invalid", $"json patch: path {pointer} does not exist");
        }
    }

    private static string Pointer(string[] segments) =>
        segments.Length == 0 ? string.Empty : "/" + string.Join('/', segments.Select(Escape));

    private static string Escape(string segment) => segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal);
}
