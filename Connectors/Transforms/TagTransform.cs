using System.Collections.Concurrent;
using System.Text.Json;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.Routing;
using EtlRouter.Contracts.V1;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// Tags records for conditional edges (<c>tag 'eu'</c>): --tags (or the stage option "tags") is a JSON object of
/// tag name to condition, e.g. {"eu": "country == 'DE' or country == 'FR'", "big": "amount >= 5000"}; each tag
/// whose condition holds is added to the record's <see cref="RecordTags.Header"/> header. Every record passes on.
/// </summary>
internal sealed class TagTransform(ConnectorSettings settings) : RecordTransform(settings)
{
    private readonly ConcurrentDictionary<string, IReadOnlyList<(string Tag, RecordCondition Condition)>> parsed = new(StringComparer.Ordinal);

    protected override IEnumerable<Record> Apply(Record record, MapField<string, string> options)
    {
        var rules = parsed.GetOrAdd(
            Settings.Text("tags", options) ?? throw new ConnectorSettingsException("tags: not set; give a JSON object of tag to condition, e.g. {\"eu\": \"country == 'DE'\"}"),
            Parse);
        using var facts = RecordFacts.Of(record);
        var tags = rules.Where(r => r.Condition.Holds(facts)).Select(r => r.Tag).ToList();
        if (tags.Count == 0)
        {
            yield return record;
            yield break;
        }

        var tagged = record.Clone();
        tagged.Headers[RecordTags.Header] = RecordTags.Add(record.Headers.TryGetValue(RecordTags.Header, out var had) ? had : null, tags);
        yield return tagged;
    }

    private static IReadOnlyList<(string, RecordCondition)> Parse(string text)
    {
        Dictionary<string, string>? rules;
        try
        {
            rules = JsonSerializer.Deserialize<Dictionary<string, string>>(text);
        }
        catch (JsonException e)
        {
            throw new ConnectorSettingsException($"tags: not a JSON object of tag to condition ({e.Message}); e.g. {{\"eu\": \"country == 'DE'\"}}");
        }

        if (rules is null or { Count: 0 }) throw new ConnectorSettingsException("tags: empty; name at least one tag and its condition");
        return rules.Select(r =>
        {
            if (r.Key.Length == 0 || r.Key.Contains(',', StringComparison.Ordinal)) throw new ConnectorSettingsException($"tags: '{r.Key}' is not a tag name; use a name without commas");
            try
            {
                return (r.Key, RecordCondition.Parse(r.Value));
            }
            catch (RecordConditionSyntaxException e)
            {
                throw new ConnectorSettingsException($"tags.{r.Key}: {e.Message}");
            }
        }).ToList();
    }
}
