using System.Text.Json.Nodes;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>Field selectors of the form path=value or path!=value on any dotted path (metadata.name, involvedObject.uid).</summary>
public static class FieldSelector
{
    public static Func<JsonObject, bool> Parse(string? selector)
    {
        if (string.IsNullOrWhiteSpace(selector))
            return _ => true;

        var tests = selector.Split(',').Select(term =>
        {
            var negate = term.Contains("!=", StringComparison.Ordinal);
            var parts = negate ? term.Split("!=", 2) : term.Replace("==", "=", StringComparison.Ordinal).Split('=', 2);
            var path = parts[0].Trim().Split('.');
            var wanted = parts.Length > 1 ? parts[1].Trim() : string.Empty;
            return (Func<JsonObject, bool>)(obj =>
            {
                JsonNode? node = obj;
                foreach (var segment in path)
                    node = node?[segment];
                var actual = node?.ToString() ?? string.Empty;
                return negate ? actual != wanted : actual == wanted;
            });
        }).ToList();
        return obj => tests.All(t => t(obj));
    }
}
