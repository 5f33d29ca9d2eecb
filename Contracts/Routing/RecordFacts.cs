using System.Text.Json;
using EtlRouter.Contracts.V1;

namespace EtlRouter.Contracts.Routing;

/// <summary>
/// What a <see cref="RecordCondition"/> looks at in one record: its value read as JSON (when it is a JSON object)
/// and its tags. Read once per record however many conditions are tested on it; dispose to return the JSON
/// document's buffers.
/// </summary>
public sealed class RecordFacts : IDisposable
{
    private readonly JsonDocument? document;

    private RecordFacts(JsonDocument? document, IReadOnlySet<string> tags)
    {
        this.document = document;
        Tags = tags;
    }

    /// <summary>The value when it is a JSON object; null otherwise (then every field is missing).</summary>
    public JsonElement? Value => document is { RootElement.ValueKind: JsonValueKind.Object } ? document.RootElement : null;

    public IReadOnlySet<string> Tags { get; }

    public static RecordFacts Of(Record record) =>
        Of(record.Value.Memory, record.Headers.TryGetValue(RecordTags.Header, out var tags) ? tags : null);

    public static RecordFacts Of(ReadOnlyMemory<byte> value, string? tagsHeader)
    {
        JsonDocument? document = null;
        if (!value.IsEmpty)
        {
            try
            {
                document = JsonDocument.Parse(value);
            }
            catch (JsonException)
            {
                // Not JSON: fields are missing, tags still count.
            }
        }

        return new RecordFacts(document, RecordTags.Parse(tagsHeader));
    }

    public void Dispose() => document?.Dispose();
}
