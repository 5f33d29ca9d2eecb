using System.Collections.Concurrent;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// Keeps the records whose JSON value matches --expression (or the stage option "expression") and drops the
/// rest. A value that is not a JSON object fails permanently: no retry can make it match.
/// </summary>
internal sealed class FilterTransform(ConnectorSettings settings) : RecordTransform(settings)
{
    private readonly ConcurrentDictionary<string, FieldExpression> parsed = new(StringComparer.Ordinal);

    protected override IEnumerable<Record> Apply(Record record, MapField<string, string> options)
    {
        var text = Settings.Text("expression", options) ?? throw new ConnectorSettingsException("expression: not set; give the filter an expression such as status == 'active'");
        FieldExpression expression;
        try
        {
            expression = parsed.GetOrAdd(text, FieldExpression.Parse);
        }
        catch (FormatException e)
        {
            throw new ConnectorSettingsException(e.Message);
        }

        var value = RecordJson.Read(record) ?? throw new RecordRejected("the value is not a JSON object", permanent: true);
        if (expression.Matches(value)) yield return record;
    }
}
