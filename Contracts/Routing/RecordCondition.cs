using System.Globalization;
using System.Text.Json;

namespace EtlRouter.Contracts.Routing;

/// <summary>
/// A predicate over a record: the filter connector's expressions and the conditions on a pipeline's edges are
/// this one language, parsed by <see cref="Parse"/> wherever they are checked (operator, webhook, etlctl, router)
/// and evaluated where records flow (sidecars, the filter connector).
/// <para>
/// Comparisons of a field of the JSON value with a literal (<c>== != &gt; &gt;= &lt; &lt;= contains</c>),
/// <c>exists field</c>, <c>tag 'name'</c> (the record carries that <see cref="RecordTags"/> tag), joined by
/// <c>and</c>/<c>&amp;&amp;</c> and <c>or</c>/<c>||</c> (and binds tighter), negated by <c>not</c>/<c>!</c>,
/// grouped with parentheses. Literals: 'text', "text", numbers, true, false. Fields may be dotted (a.b.c).
/// Example: <c>region == 'eu' and (amount &gt;= 10 or tag 'vip')</c>.
/// </para>
/// </summary>
public sealed class RecordCondition
{
    private readonly Func<RecordFacts, bool> test;

    internal RecordCondition(string text, Func<RecordFacts, bool> test)
    {
        Text = text;
        this.test = test;
    }

    public string Text { get; }

    public bool Holds(RecordFacts record) => test(record);

    /// <summary>Parses <paramref name="text"/>; a mistake throws <see cref="RecordConditionSyntaxException"/> naming the position.</summary>
    public static RecordCondition Parse(string text) => new(text, new RecordConditionParser(text).ParseWhole());

    /// <summary>Whether <paramref name="text"/> parses; when not, <paramref name="error"/> says where and why.</summary>
    public static bool TryParse(string text, out RecordCondition? condition, out RecordConditionSyntaxException? error)
    {
        try
        {
            (condition, error) = (Parse(text), null);
            return true;
        }
        catch (RecordConditionSyntaxException e)
        {
            (condition, error) = (null, e);
            return false;
        }
    }

    /// <summary>A condition that holds for no record, for text that could not be read where it must be obeyed.</summary>
    public static RecordCondition Never(string text) => new(text, _ => false);

    public override string ToString() => Text;

    internal static Func<RecordFacts, bool> Exists(string path)
    {
        var segments = path.Split('.');
        return record => Field(record, segments) is not null;
    }

    internal static Func<RecordFacts, bool> Tagged(string tag) => record => record.Tags.Contains(tag);

    // Split once here, not per record: a condition is tested on every record of every batch.
    internal static Func<RecordFacts, bool> Comparison(string path, string op, object literal)
    {
        var segments = path.Split('.');
        return record => Compare(Field(record, segments), op, literal);
    }

    private static JsonElement? Field(RecordFacts record, string[] segments)
    {
        if (record.Value is not { } node) return null;
        foreach (var name in segments)
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(name, out var child) || child.ValueKind == JsonValueKind.Null) return null;
            node = child;
        }

        return node;
    }

    // A missing field, or one that is an object or array, only differs (!=); mismatched kinds never compare.
    private static bool Compare(JsonElement? field, string op, object literal)
    {
        if (field is not { ValueKind: JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False } value) return op == "!=";
        if (op == "contains")
            return value.ValueKind == JsonValueKind.String && value.GetString()!.Contains(Convert.ToString(literal, CultureInfo.InvariantCulture) ?? string.Empty, StringComparison.OrdinalIgnoreCase);
        // Equality of text without making a string of the field.
        if (literal is string equal && op is "==" or "!=" && value.ValueKind == JsonValueKind.String) return value.ValueEquals(equal) == (op == "==");
        int? order = literal switch
        {
            double number when value.ValueKind == JsonValueKind.Number => value.GetDouble().CompareTo(number),
            string text when value.ValueKind == JsonValueKind.String => string.CompareOrdinal(value.GetString(), text),
            bool flag when value.ValueKind is JsonValueKind.True or JsonValueKind.False => value.GetBoolean() == flag ? 0 : 1,
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
}
