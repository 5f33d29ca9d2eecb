using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using EtlRouter.Pipelines.Rules;
using k8s.Models;

namespace EtlRouter.Entities.Schema;

/// <summary>
/// Checks a JSON object against a CRD's structural schema as the API server does with strict field
/// validation: types, unknown fields, required fields, enums, patterns, lengths and ranges. metadata is
/// left to the API server.
/// </summary>
internal static class StructuralValidator
{
    public static IReadOnlyList<ValidationIssue> Validate(JsonNode? document, V1JSONSchemaProps schema)
    {
        var issues = new List<ValidationIssue>();
        Walk(document, schema, string.Empty, issues);
        return issues;
    }

    private static void Walk(JsonNode? node, V1JSONSchemaProps schema, string path, List<ValidationIssue> issues)
    {
        if (node is null)
            return;

        if (schema.XKubernetesIntOrString == true)
        {
            if (Kind(node) is not ("integer" or "string"))
                issues.Add(new(Display(path), $"must be an integer or a string, not {Describe(node)}"));
            return;
        }

        var actual = Kind(node);
        if (schema.Type is { } expected && !Matches(expected, actual))
        {
            issues.Add(new(Display(path), $"must be {Article(expected)}, not {Describe(node)}"));
            return;
        }

        switch (node)
        {
            case JsonObject obj:
                WalkObject(obj, schema, path, issues);
                break;
            case JsonArray array:
                WalkArray(array, schema, path, issues);
                break;
            case JsonValue value:
                CheckScalar(value, schema, path, issues);
                break;
        }
    }

    private static void WalkObject(JsonObject obj, V1JSONSchemaProps schema, string path, List<ValidationIssue> issues)
    {
        if (path == "metadata")
            return;

        foreach (var required in schema.Required ?? [])
        {
            if (!obj.ContainsKey(required) || obj[required] is null)
                issues.Add(new(Display(Join(path, required)), "is required"));
        }

        foreach (var (key, value) in obj)
        {
            var childPath = Join(path, key);
            if (schema.Properties?.TryGetValue(key, out var property) == true)
            {
                Walk(value, property, childPath, issues);
            }
            else if (schema.AdditionalProperties is V1JSONSchemaProps additional)
            {
                Walk(value, additional, childPath, issues);
            }
            else if (schema.XKubernetesPreserveUnknownFields != true && schema.Properties is { Count: > 0 })
            {
                var known = schema.Properties.Keys.ToList();
                var suggestion = Closest(key, known);
                issues.Add(new(Display(childPath), suggestion is null
                    ? $"unknown field '{key}'; known fields here are {string.Join(", ", known)}"
                    : $"unknown field '{key}'; did you mean '{suggestion}'?"));
            }
        }
    }

    private static void WalkArray(JsonArray array, V1JSONSchemaProps schema, string path, List<ValidationIssue> issues)
    {
        if (schema.MinItems is { } min && array.Count < min)
            issues.Add(new(Display(path), $"has {array.Count} item(s); list at least {min}, or remove the field"));
        if (schema.MaxItems is { } max && array.Count > max)
            issues.Add(new(Display(path), $"has {array.Count} items; at most {max} are allowed"));
        if (schema.Items is V1JSONSchemaProps items)
        {
            for (var i = 0; i < array.Count; i++)
                Walk(array[i], items, $"{path}[{i}]", issues);
        }
    }

    private static void CheckScalar(JsonValue value, V1JSONSchemaProps schema, string path, List<ValidationIssue> issues)
    {
        var where = Display(path);
        if (value.GetValueKind() == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (schema.EnumProperty is { Count: > 0 } allowed && !allowed.Any(a => string.Equals(a?.ToString(), text, StringComparison.Ordinal)))
                issues.Add(new(where, $"'{text}' is not allowed; use one of {string.Join(", ", allowed)}"));
            if (schema.MinLength is { } minLength && text.Length < minLength)
                issues.Add(new(where, minLength == 1 ? "is empty; give it a value or remove the field" : $"is {text.Length} characters; use at least {minLength}"));
            if (schema.MaxLength is { } maxLength && text.Length > maxLength)
                issues.Add(new(where, $"is {text.Length} characters long; use at most {maxLength}"));
            if (schema.Pattern is { } pattern && text.Length > 0 && !Regex.IsMatch(text, pattern))
                issues.Add(new(where, $"'{text}' is not in the expected form (pattern {pattern})"));
            return;
        }

        if (value.GetValueKind() == JsonValueKind.Number)
        {
            var number = double.Parse(value.ToJsonString(), CultureInfo.InvariantCulture);
            if (schema.Minimum is { } minimum && number < minimum)
                issues.Add(new(where, $"is {Format(number)}; the minimum is {Format(minimum)}"));
            if (schema.Maximum is { } maximum && number > maximum)
                issues.Add(new(where, $"is {Format(number)}; the maximum is {Format(maximum)}"));
        }
    }

    private static string Kind(JsonNode node) => node switch
    {
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsInteger(v) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    private static bool IsInteger(JsonValue value) =>
        long.TryParse(value.ToJsonString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);

    private static bool Matches(string expected, string actual) =>
        expected == actual || (expected == "number" && actual == "integer");

    private static string Describe(JsonNode node) => Kind(node) switch
    {
        "object" => "a mapping",
        "array" => "a list",
        var kind => $"{Article(kind)} ({node.ToJsonString()})",
    };

    private static string Article(string type) => type switch
    {
        "object" => "a mapping",
        "array" => "a list",
        "integer" => "an integer",
        _ => $"a {type}",
    };

    private static string Format(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Join(string path, string key) => path.Length == 0 ? key : $"{path}.{key}";

    private static string Display(string path) => path.Length == 0 ? "(document)" : path;

    // A suggestion for a misspelt field: the known name within two edits.
    private static string? Closest(string key, IEnumerable<string> known) =>
        known.Select(k => (Name: k, Distance: Distance(key.ToLowerInvariant(), k.ToLowerInvariant())))
            .Where(k => k.Distance <= 2)
            .OrderBy(k => k.Distance)
            .Select(k => k.Name)
            .FirstOrDefault();

    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            previous = current;
        }

        return previous[b.Length];
    }
}
