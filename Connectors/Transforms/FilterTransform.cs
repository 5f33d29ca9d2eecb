using System.Collections.Concurrent;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.Routing;
using EtlRouter.Contracts.V1;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// Keeps the records whose JSON value matches --expression (or the stage option "expression") and drops the
/// rest; the expression is a <see cref="RecordCondition"/>, the language of a pipeline's conditional edges. A
/// value that is not a JSON object fails permanently: no retry can make it match.
/// </summary>
internal sealed class FilterTransform(ConnectorSettings settings) : RecordTransform(settings)
{
    private readonly ConcurrentDictionary<string, RecordCondition> parsed = new(StringComparer.Ordinal);

    protected override IEnumerable<Record> Apply(Record record, MapField<string, string> options)
    {
        var text = Settings.Text("expression", options) ?? throw new ConnectorSettingsException("expression: not set; give the filter an expression such as status == 'active'");
        RecordCondition expression;
        try
        {
            expression = parsed.GetOrAdd(text, RecordCondition.Parse);
        }
        catch (RecordConditionSyntaxException e)
        {
            throw new ConnectorSettingsException($"expression: {e.Message}");
        }

        using var facts = RecordFacts.Of(record);
        if (facts.Value is null) throw new RecordRejected("the value is not a JSON object", permanent: true);
        if (expression.Holds(facts)) yield return record;
    }
}
