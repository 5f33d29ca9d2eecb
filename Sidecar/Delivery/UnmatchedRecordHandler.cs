using EtlRouter.Contracts.V1;
using EtlRouter.Sidecar.Model;
using EtlRouter.Sidecar.Wire;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace EtlRouter.Sidecar.Delivery;

/// <summary>
/// Records that no conditional output of a stage took: dropped (acknowledged, as a filter drops) or written to
/// the dead letter queue with the reason, as the pipeline's spec.unmatched says. Either way the batch can be
/// acknowledged upstream once this returns; nothing is lost without the pipeline saying so.
/// </summary>
internal sealed class UnmatchedRecordHandler(StageContext stage, DeadLetterWriter deadLetters)
{
    public async Task HandleAsync(IReadOnlyList<ByteString> records, BatchTracker tracker, string why, CancellationToken cancellationToken)
    {
        stage.Metrics.Unmatched.Add(records.Count, stage.Tags);
        if (stage.Assignment.Unmatched == UnmatchedRecords.Drop) return;

        var now = Timestamp.FromDateTime(DateTime.UtcNow);
        var error = $"{why}; change the conditions, add an output without one, or set spec.unmatched: Drop";
        var failed = records.Select(r => new FailedRecord(r, IdOf(r), error, Permanent: true, now)).ToList();
        await deadLetters.WriteAsync(stage, failed, tracker, cancellationToken);
    }

    private static string IdOf(ByteString record)
    {
        try
        {
            return RecordHeads.IdOf(record);
        }
        catch (InvalidProtocolBufferException)
        {
            return $"undecodable-{Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(record.Span))[..16]}";
        }
    }
}
