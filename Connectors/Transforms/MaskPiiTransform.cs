using System.Text.Json;
using System.Text.Json.Nodes;
using EtlRouter.Connectors.Hosting;
using EtlRouter.Contracts.V1;
using Google.Protobuf;
using Google.Protobuf.Collections;

namespace EtlRouter.Connectors.Transforms;

/// <summary>
/// Masks personal data in JSON values. With --fields (or the stage option "fields", e.g. email,phone) those
/// fields are redacted whole; every other string field is scanned for e-mails, phone numbers and card numbers.
/// A value that is not JSON is scanned as text.
/// </summary>
internal sealed class MaskPiiTransform(ConnectorSettings settings) : RecordTransform(settings)
{
    protected override IEnumerable<Record> Apply(Record record, MapField<string, string> options)
    {
        var fields = (Settings.Text("fields", options) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
        var masked = record.Clone();
        if (RecordJson.Read(record) is { } value)
        {
            MaskObject(value, fields);
            masked.Value = RecordJson.Write(value);
        }
        else
        {
            masked.Value = ByteString.CopyFromUtf8(PiiMasker.Mask(record.Value.ToStringUtf8()));
        }

        yield return masked;
    }

    private static void MaskObject(JsonObject value, HashSet<string> fields)
    {
        foreach (var (name, node) in value.ToList())
        {
            switch (node)
            {
                case JsonObject inner:
                    MaskObject(inner, fields);
                    break;
                case JsonValue text when text.GetValueKind() == JsonValueKind.String:
                    var s = text.GetValue<string>();
                    value[name] = fields.Contains(name) ? PiiMasker.Redact(s) : PiiMasker.Mask(s);
                    break;
            }
        }
    }
}
