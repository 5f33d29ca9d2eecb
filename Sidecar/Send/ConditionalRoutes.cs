using EtlRouter.Contracts.Routing;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;

namespace EtlRouter.Sidecar.Send;

/// <summary>
/// Splits a batch among a stage's output edges by their conditions: each record goes to every edge whose
/// condition holds for it (an edge without one takes every record), and a record no edge takes is unmatched.
/// Each record's value is read as JSON once, however many edges test it.
/// </summary>
internal static class ConditionalRoutes
{
    public static (List<ByteString>[] PerEdge, List<ByteString> Unmatched) Split(IReadOnlyList<ByteString> records, IReadOnlyList<RecordCondition?> conditions)
    {
        var perEdge = new List<ByteString>[conditions.Count];
        for (var i = 0; i < perEdge.Length; i++) perEdge[i] = new List<ByteString>(records.Count);
        var unmatched = new List<ByteString>();
        foreach (var encoded in records)
        {
            using var facts = Facts(encoded);
            var taken = false;
            for (var i = 0; i < conditions.Count; i++)
            {
                if (conditions[i] is { } condition && !condition.Holds(facts)) continue;
                perEdge[i].Add(encoded);
                taken = true;
            }

            if (!taken) unmatched.Add(encoded);
        }

        return (perEdge, unmatched);
    }

    // Records were checked where they entered the pipeline; one that still does not decode has no fields or tags.
    private static RecordFacts Facts(ByteString encoded)
    {
        try
        {
            var body = RecordHeads.BodyOf(encoded);
            return RecordFacts.Of(body.Value.Memory, body.Headers.TryGetValue(RecordTags.Header, out var tags) ? tags : null);
        }
        catch (InvalidProtocolBufferException)
        {
            return RecordFacts.Of(ReadOnlyMemory<byte>.Empty, null);
        }
    }
}
