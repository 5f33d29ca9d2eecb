using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// The filter connector's expression: comparisons of a field with a literal, joined by <c>and</c>/<c>&amp;&amp;</c>
/// and <c>or</c>/<c>||</c> (and binds tighter). Operators: == != &gt; &gt;= &lt; &lt;= contains, and
/// <c>exists field</c>. Literals: 'text', "text", numbers, true, false. Fields may be dotted (a.b.c).
/// Example: <c>status == 'active' and amount &gt;= 10</c>.
/// </summary>
internal sealed partial class FieldExpression
{
    private readonly List<List<Func<JsonObject, bool>>> anyOfAll;

    private FieldExpression(List<List<Func<JsonObject, bool>>> anyOfAll, string text)
    {
        this.anyOfAll = anyOfAll;
        Text = text;
    }

    public string Text { get; }

    public bool Matches(JsonObject value) => anyOfAll.Any(all => all.All(test => test(value)));

    /// <summary>Parses an expression; a mistake is reported with the part that is wrong.</summary>
    public static FieldExpression Parse(string text)
    {
        var alternatives = new List<List<Func<JsonObject, bool>>>();
        foreach (var alternative in OrSplit().Split(text))
        {
            var all = new List<Func<JsonObject, bool>>();
            foreach (var part in AndSplit().Split(alternative)) all.Add(Comparison(part.Trim(), text));
            alternatives.Add(all);
        }

        return new FieldExpression(alternatives, text);
    }

    private static Func<JsonObject, bool> Comparison(string part, string whole)
    {
        if (ExistsPattern().Match(part) is { Success: true } exists)
        {
            var path = exists.Groups["field"].Value;
            return value => Field(value, path) is not null;
        }

        var match = ComparisonPattern().Match(part);
        if (!match.Success)
        {
            throw new FormatException($"expression: '{part}' (in \"{whole}\") is not a comparison; write field op value, e.g. status == 'active' or amount >= 10");
        }

        var field = match.Groups["field"].Value;
        var op = match.Groups["op"].Value;
        var literal = Literal(match.Groups["value"].Value, whole);
        return value => Compare(Field(value, field), op, literal);
    }

    private static JsonNode? Field(JsonObject value, string path)
    {
        JsonNode? node = value;
        foreach (var name in path.Split('.'))
        {
            node = node is JsonObject o ? o[name] : null;
            if (node is null) return null;
        }

        return node;
    }

    private static object Literal(string text, string whole)
    {
        if (text.Length >= 2 && (text[0] == '\'' || text[0] == '"') && text[^1] == text[0]) return text[1..^1];
        if (text is "true" or "false") return text == "true";
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) return number;
        throw new FormatException($"expression: '{text}' (in \"{whole}\") is not a value; quote text ('active'), or write a number or true/false");
    }

    private static bool Compare(JsonNode? field, string op, object literal)
    {
        if (field is not JsonValue value) return op == "!=";
        if (op == "contains") return value.GetValueKind() == JsonValueKind.String && value.GetValue<string>().Contains(literal.ToString() ?? "", StringComparison.OrdinalIgnoreCase);
        int? order = literal switch
        {
            double number when value.GetValueKind() == JsonValueKind.Number => value.GetValue<double>().CompareTo(number),
            string text when value.GetValueKind() == JsonValueKind.String => string.CompareOrdinal(value.GetValue<string>(), text),
            bool flag when value.GetValueKind() is JsonValueKind.True or JsonValueKind.False => value.GetValue<bool>() == flag ? 0 : 1,
            _ => null,
        };
        return op switch
        {
            "==" => order == 0,
            "!=" => order != 0,
            ">" => order > 0,
            ">=" => order >= 0,
            "<" => order < 0,
            "<=" => order <= 0,
            _ => false,
        };
    }

    [GeneratedRegex(@"\s+(?:or|\|\|)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex OrSplit();

    [GeneratedRegex(@"\s+(?:and|&&)\s+", RegexOptions.IgnoreCase)]
    private static partial Regex AndSplit();

    [GeneratedRegex(@"^exists\s+(?<field>[A-Za-z_][\w.]*)$")]
    private static partial Regex ExistsPattern();

    [GeneratedRegex(@"^(?<field>[A-Za-z_][\w.]*)\s*(?<op>==|!=|>=|<=|>|<|\bcontains\b)\s*(?<value>.+)$")]
    private static partial Regex ComparisonPattern();
}
