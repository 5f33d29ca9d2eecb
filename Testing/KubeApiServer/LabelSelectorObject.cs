using System.Text.Json.Nodes;

namespace EtlRouter.Testing.KubeApiServer;

/// <summary>Evaluates a metav1.LabelSelector object (matchLabels and matchExpressions), as webhook selectors are written.</summary>
public static class LabelSelectorObject
{
    /// <summary>True when the labels satisfy the selector; an absent or empty selector matches everything.</summary>
    public static bool Matches(JsonObject? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector is null) return true;
        if (selector["matchLabels"] is JsonObject matchLabels)
        {
            foreach (var (key, value) in matchLabels)
            {
                if (!labels.TryGetValue(key, out var actual) || actual != value?.ToString()) return false;
            }
        }

        foreach (var expression in (selector["matchExpressions"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var key = expression["key"]?.ToString() ?? string.Empty;
            var values = (expression["values"] as JsonArray ?? []).Select(v => v?.ToString()).ToHashSet();
            var has = labels.TryGetValue(key, out var actual);
            var ok = expression["operator"]?.ToString() switch
            {
                "In" => has && values.Contains(actual),
                "NotIn" => !has || !values.Contains(actual),
                "Exists" => has,
                "DoesNotExist" => !has,
                var op => throw ApiError.BadRequest($"selector operator '{op}' is not valid"),
            };
            if (!ok) return false;
        }

        return true;
    }

    public static IReadOnlyDictionary<string, string> LabelsOf(JsonObject? obj) =>
        (obj?["metadata"]?["labels"] as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.ToString() ?? string.Empty);
}
